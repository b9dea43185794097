/**
 * Injected by esbuild in place of the platform's `Headers` and `FormData` in the openai SDK's vendor file
 * (scripts/build.ts): Node loads the whole of undici on the first touch of either, and the SDK touches
 * both on every request, `FormData` only to ask whether a body is one. Ours never is, since the model
 * client sends JSON; building one (a file upload) throws instead of sending something wrong.
 */
export { HeaderList as Headers } from './header-list.js';

export class FormData {
  constructor() {
    throw new TypeError('FormData (file uploads) is not part of the model client');
  }
}

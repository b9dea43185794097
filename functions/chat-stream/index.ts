import { createStreamHandler } from '../../shared/runtime/create-stream-handler.js';
import {
  type FrameworkContext,
  frameworkEventStream,
  toFrameworkResult,
  toHttpEvent,
} from '../../shared/runtime/functions-framework-adapter.js';

const serveStream = createStreamHandler();

/**
 * The `chat-stream` HTTP cloud function: `POST /api/chat/stream`, served by the platform's
 * `@cloudbase/functions-framework` (scf_bootstrap starts it), identity by the bearer token `chat` mints.
 */
export async function main(event: unknown, context: FrameworkContext) {
  return toFrameworkResult(await serveStream(toHttpEvent(event, context), frameworkEventStream(context)));
}

/** The same handler for `npm start`, on a plain Node response. */
export { serveStream };

import { createStreamHandler } from '../../shared/runtime/create-stream-handler.js';
import {
  type FrameworkContext,
  frameworkEventStream,
  toFrameworkResult,
  toHttpEvent,
} from '../../shared/runtime/functions-framework-adapter.js';

/** `npm start`: the same handler on a developer's machine (local files; a body `user_id` is accepted). */
const serveStream = createStreamHandler();

let servePlatformStream: ReturnType<typeof createStreamHandler> | undefined;

/**
 * The `chat-stream` HTTP cloud function: `POST /api/chat/stream`, served by the platform's
 * `@cloudbase/functions-framework` (scf_bootstrap starts it), identity by the bearer token `chat` mints.
 * It is reachable from the internet by construction, so it always runs as on the platform (token
 * required, CloudBase storage), whether or not an HTTP function's environment sets TENCENTCLOUD_RUNENV,
 * which no CloudBase document promises (docs/streaming.md).
 */
export async function main(event: unknown, context: FrameworkContext) {
  servePlatformStream ??= createStreamHandler({
    environment: { ...process.env, TENCENTCLOUD_RUNENV: 'SCF' },
  });
  return toFrameworkResult(
    await servePlatformStream(toHttpEvent(event, context), frameworkEventStream(context)),
  );
}

export { serveStream };

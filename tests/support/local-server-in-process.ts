import type { AddressInfo } from 'node:net';
import { createLocalServer } from '../../scripts/local-server.js';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler, type HandlerOptions } from '../../shared/runtime/create-function-handler.js';
import { createStreamHandler } from '../../shared/runtime/create-stream-handler.js';

/**
 * `npm start`'s server (chat, history and the stream) in this process on a free loopback port, with the
 * given settings and overrides; `close` stops it.
 */
export async function startLocalServer(
  environment: NonNullable<HandlerOptions['environment']>,
  overrides: NonNullable<HandlerOptions['overrides']>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createLocalServer({
    host: '127.0.0.1',
    maxRequestBytes: 64 * 1024,
    chat: createFunctionHandler(chatEndpoint, { environment, overrides }),
    history: createFunctionHandler(historyEndpoint, { environment, overrides }),
    chatStream: createStreamHandler({ environment, overrides }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

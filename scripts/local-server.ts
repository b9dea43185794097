import http from 'node:http';
import { type AppError, toAppError } from '../shared/errors/app-error.js';
import {
  errorResponse,
  type HttpEvent,
  type HttpResponse,
  payloadTooLarge,
} from '../shared/http/http-event.js';
import type { StreamOutcome } from '../shared/runtime/create-stream-handler.js';
import { allowedHosts, crossSiteRefusal } from './local-request-guard.js';
import { nodeEventStream } from './node-event-stream.js';
import { loadPlaygroundFiles, servePlaygroundFile } from './playground-files.js';

type FunctionMain = (event: unknown, context?: unknown) => Promise<unknown>;
type StreamMain = (event: HttpEvent, writer: ReturnType<typeof nodeEventStream>) => Promise<StreamOutcome>;

export interface LocalServerOptions {
  /** The address it listens on (HOST): with the port, the one Host besides the loopback names it answers. */
  host: string;
  maxRequestBytes: number;
  chat: FunctionMain;
  history: FunctionMain;
  /** POST /api/chat/stream, as the chat-stream HTTP function serves it. */
  chatStream?: StreamMain;
}

/**
 * `npm start`'s server: each request becomes the HTTP access event CloudBase would deliver, served by the
 * same function handlers. It refuses what the platform's gateway would never pass on: another site's
 * request, a foreign Host, a body over MAX_REQUEST_BYTES (answered at once, never cut short and passed on).
 * It also serves the playground page at `/` (scripts/playground/, docs/playground.md), behind the same
 * Host check.
 */
export function createLocalServer(options: LocalServerOptions): http.Server {
  const playground = loadPlaygroundFiles();
  const server = http.createServer(async (incoming, outgoing) => {
    const send = (response: HttpResponse, extraHeaders: Record<string, string> = {}) => {
      outgoing.writeHead(response.statusCode, { ...response.headers, ...extraHeaders });
      outgoing.end(response.body);
    };
    const refuse = (error: AppError) => {
      // The rest of the body is read and dropped, so the client sees this answer rather than a reset.
      incoming.resume();
      send(errorResponse(error), { connection: 'close' });
    };
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const refusal = crossSiteRefusal(incoming.headers, allowedHosts(options.host, port));
    if (refusal !== undefined) return refuse(refusal);
    const pathname = new URL(incoming.url ?? '/', 'http://localhost').pathname;
    const page = { method: incoming.method ?? 'GET', pathname };
    const served = servePlaygroundFile(playground, page, (status, headers, body) => {
      incoming.resume();
      outgoing.writeHead(status, headers);
      outgoing.end(body);
    });
    if (served) return;
    if (Number(incoming.headers['content-length'] ?? 0) > options.maxRequestBytes) {
      return refuse(payloadTooLarge(options.maxRequestBytes));
    }
    const body = await readBody(incoming, options.maxRequestBytes).catch(() => undefined);
    if (body === 'too large') return refuse(payloadTooLarge(options.maxRequestBytes));
    if (body === undefined) return outgoing.destroy();

    const url = new URL(incoming.url ?? '/', 'http://localhost');
    const event: HttpEvent = {
      path: url.pathname,
      httpMethod: incoming.method ?? 'GET',
      headers: Object.fromEntries(
        Object.entries(incoming.headers).map(([name, value]) => [name, String(value)]),
      ),
      queryStringParameters: Object.fromEntries(url.searchParams),
      body: body.toString('base64'),
      isBase64Encoded: true,
    };
    const path = url.pathname.replace(/\/+$/, '');
    if (path.endsWith('/api/chat/stream') && options.chatStream !== undefined) {
      const outcome = await options.chatStream(event, nodeEventStream(outgoing));
      if (outcome.kind === 'response') send(outcome.response);
      return;
    }
    const main = path.endsWith('/history') ? options.history : options.chat;
    try {
      send((await main(event, {})) as HttpResponse);
    } catch (error) {
      send(errorResponse(toAppError(error)));
    }
  });
  return server;
}

/** The whole body, or 'too large' as soon as it passes the limit (the rest is then left to drain). */
function readBody(incoming: http.IncomingMessage, maxBytes: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      if (size > maxBytes) return;
      size += chunk.length;
      if (size > maxBytes) resolve('too large');
      else chunks.push(chunk);
    });
    incoming.on('end', () => resolve(Buffer.concat(chunks)));
    incoming.on('error', reject);
  });
}

/**
 * The model client's fetch over node:http, on real loopback sockets: what the openai SDK and
 * read-reply-stream.ts rely on from fetch (a streamed body, an abort as an AbortError, a cut as a
 * TypeError). The SDK itself runs over it in openai-chat-model.test.ts, against every provider fault.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Server } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors/app-error.js';
import { completeWithDeadline } from '../../shared/model/complete-with-deadline.js';
import { nodeHttpFetch } from '../../shared/model/node-http-fetch.js';
import { createOpenAiChatModel } from '../../shared/model/openai-chat-model.js';
import { systemTimers } from '../../shared/runtime/system-timers.js';
import { unusedLoopbackUrl } from '../fakes/fake-openai-server.js';
import { wallTimers } from '../support/wall-timers.js';

const servers: { close(): unknown }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const server = createServer(handler);
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function serveRaw(reply: string) {
  const server: Server = createTcpServer((socket) => socket.end(reply));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

type FetchError = Error & { cause?: { code?: string } };

async function rejection(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise;
  } catch (error) {
    return error as FetchError;
  }
  throw new Error('resolved, not rejected');
}

describe('nodeHttpFetch', () => {
  it('sends the method, headers and a text body with its length, and returns status, headers and body', async () => {
    let seen: { method?: string | undefined; headers?: IncomingMessage['headers']; body?: string } = {};
    const url = await serve(async (request, response) => {
      seen = { method: request.method, headers: request.headers, body: await readBody(request) };
      response.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-request-id': 'req_1' });
      response.end('{"ok":"好"}');
    });
    const body = JSON.stringify({ text: '你好' });
    // The platform's Headers, as the SDK from node_modules passes; the bundled SDK passes a HeaderList.
    const headers = new Headers({ 'content-type': 'application/json', authorization: 'Bearer sk-test' });
    const response = await nodeHttpFetch(`${url}/v1/chat/completions`, { method: 'post', headers, body });
    expect(seen.method).toBe('POST');
    expect(seen.headers?.authorization).toBe('Bearer sk-test');
    expect(seen.headers?.['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(seen.headers?.['transfer-encoding']).toBeUndefined();
    expect(seen.body).toBe(body);
    expect([response.status, response.statusText, response.ok]).toEqual([201, 'Made', true]);
    expect(response.headers.get('X-Request-Id')).toBe('req_1');
    expect(response.url).toBe(`${url}/v1/chat/completions`);
    expect(await response.json()).toEqual({ ok: '好' });
  });

  it('hands over each part of a streamed body as it arrives', async () => {
    let sendRest: () => void = () => undefined;
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      sendRest = () => response.end('data: two\n\n');
    });
    const response = await nodeHttpFetch(new URL(url));
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    const first = await reader?.read();
    // The second part does not exist yet: the first came through on its own.
    expect(decoder.decode(first?.value)).toBe('data: one\n\n');
    sendRest();
    const second = await reader?.read();
    expect(decoder.decode(second?.value)).toBe('data: two\n\n');
    expect((await reader?.read())?.done).toBe(true);
  });

  it('gives no body for a 204', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(204);
      response.end();
    });
    const response = await nodeHttpFetch(url, { method: 'DELETE' });
    expect([response.status, response.body, await response.text()]).toEqual([204, null, '']);
  });

  it('rejects as fetch does when the connection is refused', async () => {
    const error = await rejection(nodeHttpFetch(await unusedLoopbackUrl()));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('fetch failed');
    expect(error.cause?.code).toBe('ECONNREFUSED');
  });

  it('speaks TLS to an https address (and fails on a server that does not)', async () => {
    const port = await serveRaw('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    const error = await rejection(nodeHttpFetch(`https://127.0.0.1:${port}/v1`));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.cause?.code).toMatch(/^(EPROTO|ECONNRESET|ERR_SSL_.*)$/);
  });

  it('rejects with an AbortError when aborted before the answer', async () => {
    const url = await serve(() => undefined);
    const controller = new AbortController();
    const pending = nodeHttpFetch(url, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await rejection(pending)).name).toBe('AbortError');
  });

  it('fails the body with an AbortError when aborted mid-body', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200);
      response.write('part');
    });
    const controller = new AbortController();
    const response = await nodeHttpFetch(url, { signal: controller.signal });
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    expect((await rejection(reader?.read() ?? Promise.resolve())).name).toBe('AbortError');
  });

  it('fails the body with a TypeError when the connection is cut mid-body, never ends it quietly', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('part', () => response.socket?.destroy());
    });
    const response = await nodeHttpFetch(url);
    const error = await rejection(response.text());
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('terminated');
  });

  it('passes an odd status through as a failed response, for the SDK to turn into an error', async () => {
    const port = await serveRaw('HTTP/1.1 600 Odd\r\ncontent-length: 4\r\n\r\nodd!');
    const response = await nodeHttpFetch(`http://127.0.0.1:${port}/`);
    expect([response.status, response.ok, await response.text()]).toEqual([600, false, 'odd!']);
  });

  it('refuses what the SDK never sends: a Request, a body that is not text', async () => {
    const url = await serve((_request, response) => response.end());
    expect(await rejection(nodeHttpFetch({ url }))).toBeInstanceOf(TypeError);
    const body = new Uint8Array([1]);
    expect(await rejection(nodeHttpFetch(url, { method: 'POST', body }))).toBeInstanceOf(TypeError);
  });

  it('asks for no compression, and decodes a body compressed anyway, as it streams', async () => {
    let acceptEncoding: string | undefined;
    const url = await serve((request, response) => {
      acceptEncoding = request.headers['accept-encoding'];
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      response.end(gzipSync(JSON.stringify({ text: '你好' })));
    });
    const response = await nodeHttpFetch(url);
    expect(acceptEncoding).toBe('identity');
    expect(await response.json()).toEqual({ text: '你好' });
  });

  it('fails the body, not quietly, on an encoding it cannot decode or a broken compressed body', async () => {
    const unknown = await serve((_request, response) => {
      response.writeHead(200, { 'content-encoding': 'zstd' });
      response.end('(|\xb5/\xfd');
    });
    const unknownError = await rejection((await nodeHttpFetch(unknown)).text());
    expect(unknownError).toBeInstanceOf(TypeError);
    expect(String((unknownError.cause as Error | undefined)?.message)).toContain('zstd');
    const broken = await serve((_request, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip' });
      response.end(gzipSync('a long enough body to cut').subarray(0, 12));
    });
    expect(await rejection((await nodeHttpFetch(broken)).text())).toBeInstanceOf(TypeError);
  });
});

describe('under the openai SDK', () => {
  /**
   * A provider that fails mid-reply: some deltas, an `error` event, keep-alive comments, then [DONE],
   * chunked, in one or more deliveries. The SDK throws on the error event and cancels the body while
   * the rest (and its end) sits in Node's buffers: nothing may reach the closed stream then.
   */
  it('ends a reply that reports an error mid-stream with an AppError, never an uncaught exception', async () => {
    const event = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
    const framed = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
    let shape = { before: 0, after: 0, deliveries: 1 };
    const server: Server = createTcpServer((socket) => {
      socket.once('data', async () => {
        const parts = [
          ...Array.from({ length: shape.before }, (_, index) =>
            framed(event({ choices: [{ index: 0, delta: { content: `x${index}` }, finish_reason: null }] })),
          ),
          framed(event({ error: { message: 'overloaded', type: 'server_error' } })),
          ...Array.from({ length: shape.after }, () => framed(': keep-alive\n\n')),
          framed('data: [DONE]\n\n'),
          '0\r\n\r\n',
        ];
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n',
        );
        const perDelivery = Math.ceil(parts.length / shape.deliveries);
        for (let index = 0; index < parts.length; index += perDelivery) {
          socket.write(parts.slice(index, index + perDelivery).join(''));
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        socket.end();
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const config = {
      provider: 'openai' as const,
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
      apiKey: 'sk-test',
      model: 'test-model',
      stream: true,
      maxTokens: 100,
      temperature: 0.4,
      idleTimeoutMs: 5_000,
      maxAttempts: 1,
      maxRetryWaitMs: 0,
      fallback: undefined,
    };
    const model = createOpenAiChatModel(config, systemTimers);
    for (const before of [0, 1, 3]) {
      for (const after of [0, 1, 4]) {
        for (const deliveries of [1, 2]) {
          shape = { before, after, deliveries };
          const outcome = await completeWithDeadline(model, [{ role: 'user', content: '你好' }], {
            deadlineAt: Date.now() + 5_000,
            maxAttempts: 1,
            maxRetryWaitMs: 0,
            timers: wallTimers,
          }).catch((error: unknown) => error);
          expect(outcome, JSON.stringify(shape)).toBeInstanceOf(AppError);
        }
      }
    }
    // An 'end' reaching a closed stream would throw outside any promise and fail this file.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allowedHosts } from '../../scripts/local-request-guard.js';
import { createLocalServer } from '../../scripts/local-server.js';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { recordingLogger } from '../support/test-services.js';

const MAX_REQUEST_BYTES = 2048;
let dataDir: string;
let server: http.Server;
let port: number;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'zhiji-local-server-'));
  const environment = {
    STORAGE: 'local',
    DATA_DIR: dataDir,
    LLM_PROVIDER: 'offline',
    MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES),
  };
  const overrides = { logger: recordingLogger().logger };
  server = createLocalServer({
    host: '127.0.0.1',
    maxRequestBytes: MAX_REQUEST_BYTES,
    chat: createFunctionHandler(chatEndpoint, { environment, overrides }),
    history: createFunctionHandler(historyEndpoint, { environment, overrides }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dataDir, { recursive: true, force: true });
});

interface Sent {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** Written as one piece, or as chunks without a Content-Length (chunked transfer). */
  body?: string | string[];
}

/** A raw request, so Host, Origin and the transfer encoding are exactly what the test says. */
function send({ method = 'POST', path = '/api/chat', headers = {}, body = '' }: Sent) {
  return new Promise<{ status: number; body: { error?: { code: string }; [key: string]: unknown } }>(
    (resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
          );
        },
      );
      request.on('error', reject);
      for (const chunk of Array.isArray(body) ? body : [body]) request.write(chunk);
      request.end();
    },
  );
}

const chatBody = (message: string) => JSON.stringify({ user_id: 'dev', session_id: 'demo', message });
const deleteAll = JSON.stringify({ action: 'delete_all', confirm: 'DELETE_ALL', user_id: 'dev' });
const storedFiles = () => readdir(dataDir, { recursive: true });

describe('npm start: request size', () => {
  beforeEach(() => rm(dataDir, { recursive: true, force: true }));

  it('answers 413 to a body over MAX_REQUEST_BYTES, whether its length is declared or not', async () => {
    const oversized = chatBody('好'.repeat(MAX_REQUEST_BYTES));
    const declared = await send({ body: oversized });
    expect(declared).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    // Chunked: the first chunk fits, the rest passes the limit. Cutting it short would pass on a prefix.
    const padded = `{"user_id":"dev","session_id":"demo","message":"你好"${' '.repeat(MAX_REQUEST_BYTES)}}`;
    const chunked = await send({
      body: [padded.slice(0, 1000), padded.slice(1000, 2100), padded.slice(2100)],
    });
    expect(chunked).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    await expect(storedFiles()).rejects.toThrow();
  });

  it('serves a body right at the limit', async () => {
    const body = chatBody('你好');
    const padded = `${body.slice(0, -1)}${' '.repeat(MAX_REQUEST_BYTES - Buffer.byteLength(body))}}`;
    expect(Buffer.byteLength(padded)).toBe(MAX_REQUEST_BYTES);
    const reply = await send({ body: [padded.slice(0, 700), padded.slice(700)] });
    expect(reply.status).toBe(200);
    expect(reply.body.session_id).toBe('demo');
  });
});

describe('npm start: other sites and foreign Hosts', () => {
  beforeEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
    expect((await send({ body: chatBody('先存一句') })).status).toBe(200);
  });

  it.each([
    [
      'another site, text/plain (no preflight)',
      { origin: 'https://evil.example', 'content-type': 'text/plain' },
    ],
    ['another port on this machine', { origin: 'http://localhost:3000' }],
    ['an opaque origin (a sandboxed frame, a file)', { origin: 'null' }],
    ['https to the same name', { origin: 'https://127.0.0.1:PORT' }],
    ['a browser that says cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['a rebound DNS name as Host', { host: 'evil.example:PORT' }],
    ['a loopback name on another port', { host: 'localhost:1' }],
  ])('refuses %s with 403 FORBIDDEN_ORIGIN and deletes nothing', async (_name, headers) => {
    const withPort = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, value.replace('PORT', String(port))]),
    );
    const refused = await send({ path: '/api/chat/history', headers: withPort, body: deleteAll });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN_ORIGIN' } } });
    const read = await send({ method: 'GET', path: '/api/chat/history?user_id=dev&session_id=demo' });
    expect((read.body.messages as unknown[]).length).toBe(2);
  });

  it.each([
    ['no Origin (curl, scripts, the mini-program tools)', {}],
    ['its own origin by 127.0.0.1', { origin: 'http://127.0.0.1:PORT', 'sec-fetch-site': 'same-origin' }],
    ['its own origin by localhost', { host: 'localhost:PORT', origin: 'http://localhost:PORT' }],
    ['[::1] as Host', { host: '[::1]:PORT' }],
  ])('serves %s', async (_name, headers) => {
    const withPort = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, value.replace('PORT', String(port))]),
    );
    const deleted = await send({ path: '/api/chat/history', headers: withPort, body: deleteAll });
    expect(deleted).toMatchObject({ status: 200, body: { deleted_sessions: 1 } });
  });

  it('answers to the address HOST names, unless it is a wildcard', () => {
    expect([...allowedHosts('192.168.1.5', 5000)]).toContain('192.168.1.5:5000');
    expect([...allowedHosts('0.0.0.0', 5000)]).toEqual(['localhost:5000', '127.0.0.1:5000', '[::1]:5000']);
    expect([...allowedHosts('::', 5000)]).not.toContain('[::]:5000');
    expect([...allowedHosts('::1', 80)]).toEqual(expect.arrayContaining(['[::1]:80', '[::1]', 'localhost']));
  });
});

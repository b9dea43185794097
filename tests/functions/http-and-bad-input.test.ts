import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import type { HttpResponse } from '../../shared/http/http-event.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../fakes/fake-openai-server.js';
import { localEnvironment, recordingLogger } from '../support/test-services.js';

let model: FakeOpenAiServer;
let dataDir: string;
let chat: ReturnType<typeof createFunctionHandler>;
let history: ReturnType<typeof createFunctionHandler>;

beforeAll(async () => {
  model = await startFakeOpenAiServer();
});
afterAll(async () => {
  await model.close();
});
beforeEach(async () => {
  model.reset();
  dataDir = await mkdtemp(path.join(tmpdir(), 'zhiji-http-'));
  const environment = localEnvironment(model, dataDir);
  const overrides = { logger: recordingLogger().logger };
  chat = createFunctionHandler(chatEndpoint, { environment, overrides });
  history = createFunctionHandler(historyEndpoint, { environment, overrides });
  return () => rm(dataDir, { recursive: true, force: true });
});

function post(body: string, options: { path?: string; method?: string; base64?: boolean } = {}) {
  return {
    path: options.path ?? '/api/chat',
    httpMethod: options.method ?? 'POST',
    headers: { 'content-type': 'application/json' },
    queryStringParameters: {},
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
  };
}

async function storedFiles(): Promise<string[]> {
  return readdir(dataDir, { recursive: true });
}

describe('HTTP access events', () => {
  it('serves POST /api/chat and GET /api/chat/history with the original JSON contract', async () => {
    const body = JSON.stringify({ user_id: 'user123', session_id: 'session456', message: '你好' });
    const response = (await chat(post(body, { base64: true }))) as HttpResponse;
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    const reply = JSON.parse(response.body);
    expect(Object.keys(reply).sort()).toEqual([
      'ai_generated',
      'client_msg_id',
      'content',
      'emotion',
      'message_id',
      'session_id',
      'timestamp',
      'user_message_id',
    ]);

    const historyResponse = (await history({
      path: '/api/chat/history',
      httpMethod: 'GET',
      headers: {},
      queryStringParameters: { user_id: 'user123', session_id: 'session456' },
      body: null,
      isBase64Encoded: false,
    })) as HttpResponse;
    expect(historyResponse.statusCode).toBe(200);
    const messages = JSON.parse(historyResponse.body).messages as { role: string }[];
    expect(messages.map((message) => message.role)).toEqual(['user', 'agent']);
    expect(await storedFiles()).toEqual(
      expect.arrayContaining(['sessions.json', path.join('user123', 'session456.json')]),
    );
  });

  it('answers unknown paths with 404 and wrong methods with 405 and an Allow header', async () => {
    const notFound = (await chat(post('{}', { path: '/api/other' }))) as HttpResponse;
    expect(notFound.statusCode).toBe(404);
    const wrongMethod = (await chat(post('{}', { method: 'GET' }))) as HttpResponse;
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    const historyByPost = (await history(post('{}', { path: '/api/chat/history' }))) as HttpResponse;
    expect(historyByPost.statusCode).toBe(405);
  });

  it('maps model failures to distinct statuses and keeps the words', async () => {
    model.enqueue({ kind: 'error', status: 429, retryAfterSeconds: 600 });
    const limited = (await chat(
      post(JSON.stringify({ user_id: 'u1', session_id: 's1', message: '在吗' })),
    )) as HttpResponse;
    expect(limited.statusCode).toBe(503);
    expect(JSON.parse(limited.body).error.code).toBe('LLM_RATE_LIMITED');
    expect(limited.headers['retry-after']).toBe('600');
    const kept = (await history({ user_id: 'u1', session_id: 's1' })) as { messages: { content: string }[] };
    expect(kept.messages.map((message) => message.content)).toEqual(['在吗']);
  });
});

const longMessage = '好'.repeat(2001);
const badChatBodies: [string, unknown, string][] = [
  ['an array', [], 'INVALID_INPUT'],
  ['a missing session_id', { user_id: 'u1', message: '你好' }, 'INVALID_INPUT'],
  ['a missing message', { user_id: 'u1', session_id: 's1' }, 'INVALID_INPUT'],
  ['a number as message', { user_id: 'u1', session_id: 's1', message: 42 }, 'INVALID_INPUT'],
  ['an empty message', { user_id: 'u1', session_id: 's1', message: '' }, 'MESSAGE_EMPTY'],
  ['a whitespace message', { user_id: 'u1', session_id: 's1', message: ' \n\t　' }, 'MESSAGE_EMPTY'],
  [
    'a message over 2,000 characters',
    { user_id: 'u1', session_id: 's1', message: longMessage },
    'MESSAGE_TOO_LONG',
  ],
  ['a session id with a slash', { user_id: 'u1', session_id: '../etc', message: '你好' }, 'INVALID_ID'],
  [
    'a user id of 65 characters',
    { user_id: 'u'.repeat(65), session_id: 's1', message: '你好' },
    'INVALID_ID',
  ],
  ['a Chinese session id', { user_id: 'u1', session_id: '会话', message: '你好' }, 'INVALID_ID'],
  [
    'a timestamp without a zone',
    { user_id: 'u1', session_id: 's1', message: '你好', timestamp: '2023-04-01T12:00:00' },
    'INVALID_TIMESTAMP',
  ],
  [
    'a timestamp in words',
    { user_id: 'u1', session_id: 's1', message: '你好', timestamp: 'yesterday' },
    'INVALID_TIMESTAMP',
  ],
  [
    'month 13',
    { user_id: 'u1', session_id: 's1', message: '你好', timestamp: '2023-13-01T00:00:00Z' },
    'INVALID_TIMESTAMP',
  ],
  [
    'history over 50 items',
    {
      user_id: 'u1',
      session_id: 's1',
      message: '你好',
      history: Array.from({ length: 51 }, () => ({ role: 'user', content: '嗨' })),
    },
    'HISTORY_TOO_LONG',
  ],
  [
    'history with a bad role',
    { user_id: 'u1', session_id: 's1', message: '你好', history: [{ role: 'system', content: '嗨' }] },
    'INVALID_INPUT',
  ],
  [
    'history with a bad timestamp',
    {
      user_id: 'u1',
      session_id: 's1',
      message: '你好',
      history: [{ role: 'user', content: '嗨', timestamp: 'nope' }],
    },
    'INVALID_TIMESTAMP',
  ],
  [
    'history with empty content',
    { user_id: 'u1', session_id: 's1', message: '你好', history: [{ role: 'user', content: ' ' }] },
    'INVALID_INPUT',
  ],
  ['no user id off the platform', { session_id: 's1', message: '你好' }, 'INVALID_INPUT'],
];

describe.each([
  ['callFunction', false],
  ['HTTP', true],
] as const)('bad chat input over %s', (_transport, overHttp) => {
  it.each(badChatBodies)('rejects %s with a stable code and stores nothing', async (_name, body, code) => {
    const result = overHttp ? ((await chat(post(JSON.stringify(body)))) as HttpResponse) : await chat(body);
    const payload = (overHttp ? JSON.parse((result as HttpResponse).body) : result) as {
      error: { code: string; message: string };
    };
    if (overHttp) expect((result as HttpResponse).statusCode).toBe(400);
    expect(payload.error.code).toBe(code);
    expect(payload.error.message).toMatch(/[\u4e00-\u9fff]/);
    expect(JSON.stringify(payload)).not.toContain('好好好');
    expect(await storedFiles()).toEqual([]);
    expect(model.requests()).toEqual([]);
  });
});

describe('malformed transport', () => {
  it.each([
    ['not JSON', 'not json {', 'INVALID_JSON', 400],
    ['an empty body', '', 'INVALID_JSON', 400],
    [
      'a body over the size limit',
      JSON.stringify({ message: 'x'.repeat(600 * 1024) }),
      'PAYLOAD_TOO_LARGE',
      413,
    ],
  ])('answers %s over HTTP with a clear error', async (_name, body, code, status) => {
    const response = (await chat(post(body))) as HttpResponse;
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body).error.code).toBe(code);
    expect(await storedFiles()).toEqual([]);
  });

  it.each([null, undefined, 42, 'text', [], { httpMethod: 'POST' }, { path: 3, httpMethod: 'POST' }])(
    'never throws on the event %j',
    async (event) => {
      const chatResult = (await chat(event)) as { error?: { code: string } };
      const historyResult = (await history(event)) as { error?: { code: string } };
      expect(chatResult.error?.code).toMatch(/^INVALID_/);
      expect(historyResult.error?.code).toMatch(/^INVALID_/);
      expect(await storedFiles()).toEqual([]);
    },
  );

  it('tells a missing field from a wrongly typed one', async () => {
    const missing = (await chat({ user_id: 'u1', session_id: 's1' })) as { error: { message: string } };
    expect(missing.error.message).toMatch(/^缺少消息/);
    const wrongType = (await chat({ user_id: 'u1', session_id: 's1', message: 5 })) as {
      error: { message: string };
    };
    expect(wrongType.error.message).toContain('格式不正确');
  });

  it('rejects a bad history page size', async () => {
    const result = (await history({ user_id: 'u1', session_id: 's1', limit: 100000 })) as {
      error: { code: string };
    };
    expect(result.error.code).toBe('INVALID_INPUT');
  });
});

describe('an HTTP-shaped event whose body is not text', () => {
  it.each([{}, 42, true, { length: 2 ** 31 }])(
    'answers 400 INVALID_JSON for body %j, at once',
    async (body) => {
      const chat = createFunctionHandler(chatEndpoint, {
        environment: { STORAGE: 'local', DATA_DIR: '/nonexistent-zhiji', LLM_PROVIDER: 'offline' },
        overrides: { logger: recordingLogger().logger },
      });
      const startedAt = Date.now();
      const response = (await chat({
        path: '/api/chat',
        httpMethod: 'POST',
        headers: {},
        body,
      })) as HttpResponse;
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body).error.code).toBe('INVALID_JSON');
      expect(Date.now() - startedAt).toBeLessThan(1_000);
    },
  );
});

describe('input nested far deeper than any request', () => {
  const depth = 20_000;
  const deepValue = () => {
    let value: unknown = {};
    for (let level = 0; level < depth; level += 1) value = { a: value };
    return value;
  };
  const deepText = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const expectNestingError = (payload: { error: { code: string; message: string; field?: string } }) => {
    expect(payload.error.code).toBe('INVALID_INPUT');
    expect(payload.error.field).toBe('body');
    expect(payload.error.message).toContain('嵌套太深');
  };

  it('is bad input over callFunction, to either function, and nothing is stored', async () => {
    for (const main of [chat, history]) {
      const result = await main({ user_id: 'u1', session_id: 's1', message: '你好', extra: deepValue() });
      expectNestingError(result as { error: { code: string; message: string } });
    }
    // A cycle is as deep as it gets.
    const cyclic: Record<string, unknown> = { user_id: 'u1', session_id: 's1', message: '你好' };
    cyclic.self = cyclic;
    expectNestingError((await chat(cyclic)) as { error: { code: string; message: string } });
    expect(await storedFiles()).toEqual([]);
  });

  it('is a 400 over HTTP, in a field or as the whole body', async () => {
    for (const body of [
      `{"user_id":"u1","session_id":"s1","message":"你好","extra":${deepText}}`,
      deepText,
    ]) {
      const response = (await chat(post(body))) as HttpResponse;
      expect(response.statusCode).toBe(400);
      expectNestingError(JSON.parse(response.body));
    }
    const deletion = (await history(
      post(`{"action":"delete_all","confirm":"DELETE_ALL","user_id":"u1","x":${deepText}}`, {
        path: '/api/chat/history',
      }),
    )) as HttpResponse;
    expect(deletion.statusCode).toBe(400);
    expect(await storedFiles()).toEqual([]);
    expect(model.requests()).toEqual([]);
  });

  it('still takes the nesting a request really has', async () => {
    const body = {
      user_id: 'u1',
      session_id: 's1',
      message: '你好',
      history: [{ role: 'user', content: '之前说过的话' }],
    };
    const response = (await chat(post(JSON.stringify(body)))) as HttpResponse;
    expect(response.statusCode).toBe(200);
  });
});

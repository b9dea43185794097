/**
 * Drives the fake with the real `openai` v6 SDK over real sockets. If the fake's wire format were
 * wrong, the SDK's own parsers (JSON, SSE line/UTF-8 decoders) would fail here, not in production.
 * The assertions also pin down what SDK 6.49 does for each failure mode, so callers can rely on it.
 */

import { TextDecoder } from 'node:util';
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  InternalServerError,
  RateLimitError,
} from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeOpenAiServer, startFakeOpenAiServer, unusedLoopbackUrl } from './fake-openai-server.js';

const SAD_REPLY = '[sad] 很遗憾听到这个消息😢，我在。';
const MESSAGES = [{ role: 'user' as const, content: '今天好难过' }];

let server: FakeOpenAiServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startFakeOpenAiServer();
  client = new OpenAI({ baseURL: server.baseUrl, apiKey: server.apiKey, maxRetries: 0, timeout: 2000 });
});
beforeEach(() => server.reset());
afterAll(() => server.close());

function createJson(options: { signal?: AbortSignal } = {}) {
  return client.chat.completions.create({ model: 'deepseek-chat', messages: MESSAGES }, options);
}

async function createStream(options: { signal?: AbortSignal } = {}, target: OpenAI = client) {
  return target.chat.completions.create(
    { model: 'deepseek-chat', messages: MESSAGES, stream: true, stream_options: { include_usage: true } },
    options,
  );
}

/** Collects every chunk; on a throw, keeps what arrived so tests can see partial progress. */
async function drain(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  let error: unknown;
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (caught) {
    error = caught;
  }
  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
  const finishReasons = chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter((reason) => reason);
  return { chunks, text, finishReasons, error };
}

describe('successful replies', () => {
  it('JSON: the SDK parses content, finish_reason, usage and the request id', async () => {
    server.enqueue({
      kind: 'reply',
      content: SAD_REPLY,
      finishReason: 'length',
      usage: { prompt_tokens: 12, completion_tokens: 7 },
    });
    const { data, request_id } = await createJson().withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.model).toBe('deepseek-chat');
    expect(data.system_fingerprint).toMatch(/^fp_/);
    expect(data.choices[0]?.message).toEqual({ role: 'assistant', content: SAD_REPLY, refusal: null });
    expect(data.choices[0]?.finish_reason).toBe('length');
    expect(data.usage).toEqual({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 });
    expect(request_id).toMatch(/^req_/);
  });

  it('JSON: usage is estimated from characters when not pinned, and the initial default answers', async () => {
    const completion = await createJson();
    expect(completion.choices[0]?.message.content).toBe('[neutral] 我在这里听你说。');
    expect(completion.usage).toEqual({ prompt_tokens: 5, completion_tokens: 18, total_tokens: 23 });
  });

  it('stream: CJK and emoji deltas reassemble exactly, with the include_usage trailer chunk', async () => {
    server.enqueue({ kind: 'reply', content: SAD_REPLY });
    const { chunks, text, finishReasons, error } = await drain(await createStream());
    expect(error).toBeUndefined();
    expect(text).toBe(SAD_REPLY);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.length).toBeGreaterThan(8); // role + many small deltas + finish + usage
    expect(finishReasons).toEqual(['stop']);
    const trailer = chunks.at(-1);
    expect(trailer?.choices).toEqual([]);
    expect(trailer?.usage?.completion_tokens).toBe(Array.from(SAD_REPLY).length);
  });

  it('keep-alive comments (SSE) and blank lines (JSON) are invisible to the SDK', async () => {
    server.enqueue({ kind: 'reply', content: SAD_REPLY });
    const plain = await drain(await createStream());
    server.enqueue({ kind: 'reply', content: SAD_REPLY, keepAliveComments: true });
    const kept = await drain(await createStream());
    expect(kept.text).toBe(SAD_REPLY);
    expect(kept.chunks.length).toBe(plain.chunks.length);
    server.enqueue({ kind: 'reply', content: SAD_REPLY, keepAliveComments: true });
    expect((await createJson()).choices[0]?.message.content).toBe(SAD_REPLY);
  });

  it('empty-content: JSON content is "" and the stream has no content deltas but still finishes', async () => {
    server.enqueue({ kind: 'empty-content' }, { kind: 'empty-content' });
    expect((await createJson()).choices[0]?.message.content).toBe('');
    const { chunks, text, finishReasons } = await drain(await createStream());
    expect(text).toBe('');
    expect(chunks).toHaveLength(3); // role chunk, finish chunk, usage trailer
    expect(finishReasons).toEqual(['stop']);
  });
});

describe('raw wire format', () => {
  it('streams SSE frames with the real content-type and splits writes inside UTF-8 characters', async () => {
    server.enqueue({ kind: 'reply', content: SAD_REPLY });
    const response = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'deepseek-chat', messages: MESSAGES, stream: true }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    const reads: Uint8Array[] = [];
    for await (const read of response.body ?? []) reads.push(read);
    const strictDecoder = new TextDecoder('utf-8', { fatal: true });
    // At least one network read ends mid-character, so the client must buffer bytes to decode.
    expect(reads.some((read) => !canDecode(strictDecoder, read))).toBe(true);
    const body = Buffer.concat(reads).toString('utf8');
    expect(body).toMatch(/^data: \{"id":"chatcmpl-[^"]+","object":"chat.completion.chunk","created":\d+,/);
    expect(body.endsWith('"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n')).toBe(true);
    expect(body).not.toContain('"usage"'); // no include_usage requested, no trailer
  });
});

function canDecode(decoder: TextDecoder, bytes: Uint8Array): boolean {
  try {
    decoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe('HTTP errors', () => {
  it('500 → InternalServerError (an APIError) with the OpenAI error envelope', async () => {
    server.enqueue({ kind: 'error', status: 500 });
    const error = await createJson().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(500);
    expect((error as APIError).type).toBe('server_error');
    expect((error as APIError).requestID).toMatch(/^req_/);
  });

  it('429 → RateLimitError exposing Retry-After in error.headers (stream requests too)', async () => {
    server.enqueue({ kind: 'error', status: 429, retryAfterSeconds: 7 });
    const error = await createStream().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).status).toBe(429);
    expect((error as RateLimitError).code).toBe('rate_limit_exceeded');
    expect((error as RateLimitError).headers.get('retry-after')).toBe('7');
  });

  it('wrong key → 401 AuthenticationError, and the scripted reply is not consumed', async () => {
    server.enqueue({ kind: 'reply', content: 'still queued' });
    const wrongKey = new OpenAI({
      baseURL: server.baseUrl,
      apiKey: 'sk-wrong',
      maxRetries: 0,
      timeout: 2000,
    });
    const error = await wrongKey.chat.completions
      .create({ model: 'deepseek-chat', messages: MESSAGES })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
    expect((error as AuthenticationError).code).toBe('invalid_api_key');
    expect((await createJson()).choices[0]?.message.content).toBe('still queued');
  });
});

describe('broken transports', () => {
  it('stall-before-headers: the SDK timeout fires (APIConnectionTimeoutError); a signal gives APIUserAbortError', async () => {
    server.enqueue({ kind: 'stall-before-headers' }, { kind: 'stall-before-headers' });
    const timedOut = await client.chat.completions
      .create({ model: 'deepseek-chat', messages: MESSAGES }, { timeout: 150 })
      .catch((caught: unknown) => caught);
    expect(timedOut).toBeInstanceOf(APIConnectionTimeoutError);
    const aborted = await createJson({ signal: AbortSignal.timeout(100) }).catch((caught: unknown) => caught);
    expect(aborted).toBeInstanceOf(APIUserAbortError);
    // delayMs holds back the headers, so it lands inside the window the SDK timeout covers.
    server.enqueue({ kind: 'reply', content: 'too late', delayMs: 1000 });
    await expect(
      client.chat.completions.create({ model: 'deepseek-chat', messages: MESSAGES }, { timeout: 100 }),
    ).rejects.toBeInstanceOf(APIConnectionTimeoutError);
  });

  it('stall-after-headers, JSON: only an abort ends it, as a raw DOMException AbortError', async () => {
    server.enqueue({ kind: 'stall-after-headers' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const error = await createJson({ signal: controller.signal }).catch((caught: unknown) => caught);
    // The SDK timeout was cleared when headers arrived; the body read rejects with fetch's own error.
    expect(error).not.toBeInstanceOf(APIError);
    expect((error as Error).name).toBe('AbortError');
  });

  it('stall-after-headers, stream: an abort ends `for await` silently after the partial deltas', async () => {
    server.enqueue({ kind: 'stall-after-headers', partialContent: '很遗憾' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const { text, finishReasons, error } = await drain(await createStream({ signal: controller.signal }));
    expect(error).toBeUndefined();
    expect(text).toBe('很遗憾');
    expect(finishReasons).toEqual([]);
  });

  it('cut-stream (socket destroyed): the stream THROWS TypeError "terminated" after the partial deltas', async () => {
    server.enqueue(
      { kind: 'cut-stream', partialContent: '很遗憾😢' },
      { kind: 'cut-stream', partialContent: 'x' },
    );
    const { text, finishReasons, error } = await drain(await createStream());
    expect(text).toBe('很遗憾😢');
    expect(finishReasons).toEqual([]);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(APIError);
    expect((error as TypeError).message).toBe('terminated');
    const jsonError = await createJson().catch((caught: unknown) => caught);
    expect(jsonError).toBeInstanceOf(TypeError);
    expect((jsonError as TypeError).message).toBe('terminated');
  });

  it('cut-stream with cleanEnd: `for await` ends WITHOUT throwing and without finish_reason', async () => {
    server.enqueue({ kind: 'cut-stream', partialContent: '很遗憾😢', cleanEnd: true });
    server.enqueue({ kind: 'cut-stream', partialContent: 'x', cleanEnd: true });
    const { text, finishReasons, error } = await drain(await createStream());
    expect(error).toBeUndefined();
    expect(text).toBe('很遗憾😢');
    expect(finishReasons).toEqual([]);
    await expect(createJson()).rejects.toBeInstanceOf(SyntaxError);
  });

  it('invalid-json: the SDK throws a raw SyntaxError in JSON and stream mode (not an APIError)', async () => {
    server.enqueue({ kind: 'invalid-json' }, { kind: 'invalid-json', body: 'upstream exploded' });
    await expect(createJson()).rejects.toBeInstanceOf(SyntaxError);
    // logLevel off: on a bad SSE event the SDK logs the payload via its logger before throwing.
    const quiet = new OpenAI({
      baseURL: server.baseUrl,
      apiKey: server.apiKey,
      maxRetries: 0,
      logLevel: 'off',
    });
    const { chunks, error } = await drain(await createStream({}, quiet));
    expect(chunks).toEqual([]);
    expect(error).toBeInstanceOf(SyntaxError);
  });

  it('drop-connection and an unused loopback port → APIConnectionError', async () => {
    server.enqueue({ kind: 'drop-connection' }, { kind: 'drop-connection' });
    await expect(createJson()).rejects.toBeInstanceOf(APIConnectionError);
    await expect(createStream()).rejects.toBeInstanceOf(APIConnectionError);
    const nowhere = new OpenAI({ baseURL: await unusedLoopbackUrl(), apiKey: 'sk-x', maxRetries: 0 });
    const error = await nowhere.chat.completions
      .create({ model: 'deepseek-chat', messages: MESSAGES })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).not.toBeInstanceOf(APIConnectionTimeoutError);
    expect(((error as Error).cause as Error & { cause?: { code?: string } }).cause?.code).toBe(
      'ECONNREFUSED',
    );
  });
});

describe('scripting and recording', () => {
  it('serves enqueued replies in order, then the default, and records each request', async () => {
    server.enqueue({ kind: 'reply', content: 'first' }, { kind: 'reply', content: 'second' });
    server.setDefault((body) => ({ kind: 'reply', content: `default for ${String(body.model)}` }));
    expect((await createJson()).choices[0]?.message.content).toBe('first');
    expect((await drain(await createStream())).text).toBe('second');
    expect((await createJson()).choices[0]?.message.content).toBe('default for deepseek-chat');
    const recorded = server.requests();
    expect(recorded.map((request) => request.body.stream)).toEqual([undefined, true, undefined]);
    expect(recorded[1]?.body.messages).toEqual(MESSAGES);
    expect(recorded[1]?.body.model).toBe('deepseek-chat');
    expect(recorded[1]?.path).toBe('/v1/chat/completions');
    expect(recorded[1]?.headers.authorization).toBe(`Bearer ${server.apiKey}`);
  });

  it('accepts a baseURL without /v1, and reset() restores the initial default', async () => {
    server.setDefault({ kind: 'reply', content: 'custom' });
    server.reset();
    const withoutV1 = new OpenAI({ baseURL: server.baseUrl.replace(/\/v1$/, ''), apiKey: server.apiKey });
    const completion = await withoutV1.chat.completions.create({
      model: 'deepseek-chat',
      messages: MESSAGES,
    });
    expect(completion.choices[0]?.message.content).toBe('[neutral] 我在这里听你说。');
    expect(server.requests().map((request) => request.path)).toEqual(['/chat/completions']);
  });

  it('close() destroys stalled sockets so nothing keeps the process alive', async () => {
    const own = await startFakeOpenAiServer({ apiKey: 'sk-own' });
    own.enqueue({ kind: 'stall-before-headers' });
    const ownClient = new OpenAI({ baseURL: own.baseUrl, apiKey: own.apiKey, maxRetries: 0, timeout: 2000 });
    const pending = ownClient.chat.completions
      .create({ model: 'm', messages: MESSAGES })
      .catch((caught) => caught);
    await vi.waitFor(() => expect(own.requests()).toHaveLength(1));
    const started = Date.now();
    await own.close();
    expect(await pending).toBeInstanceOf(APIConnectionError);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

/**
 * The real `openai` SDK over real loopback sockets against the fake OpenAI server, driven the way the
 * chat handler drives it: completeWithDeadline(createOpenAiChatModel(config, timers), ...). Every
 * provider fault must end as a distinct AppError code within the turn's deadline, in both the streaming
 * and the JSON mode, and no error the user sees may carry the provider's text or the API key.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { vendorBundleOptions } from '../../scripts/build.js';
import type { ModelConfig } from '../../shared/config/load-config.js';
import { AppError, type ErrorCode } from '../../shared/errors/app-error.js';
import { completeWithDeadline } from '../../shared/model/complete-with-deadline.js';
import { createOpenAiChatModel, type OpenAiModule } from '../../shared/model/openai-chat-model.js';
import type { ModelMessage } from '../../shared/prompt/build-model-messages.js';
import { systemTimers } from '../../shared/runtime/system-timers.js';
import {
  type FakeOpenAiServer,
  type FakeReply,
  startFakeOpenAiServer,
  unusedLoopbackUrl,
} from '../fakes/fake-openai-server.js';
import { wallTimers } from '../support/wall-timers.js';

const MESSAGES: readonly ModelMessage[] = [
  { role: 'system', content: '你是一只温柔的小怪兽，每条回复以 [label] 开头。' },
  { role: 'user', content: '今天考试没考好😢' },
  { role: 'assistant', content: '[caring] 抱抱你，辛苦了。' },
  { role: 'user', content: '我该怎么办？' },
];
const REPLY_TEXT = '[thinking] 没关系，我们一起想想办法🌱✨。下次会更好的！';
const SECOND_TEXT = '[caring] 第二次终于好了💪';
/** Put into every scripted provider error body, so a leak into our error message is easy to spot. */
const PROVIDER_TEXT = 'PROVIDER-INTERNAL-DETAIL';
/** Margin for timer and event-loop lag on a loaded 2-core machine. */
const LATENESS_MS = 700;

let fake: FakeOpenAiServer;
/** The SDK as the build bundles it, with its own Headers and FormData (shared/model/fetch-globals.ts). */
let bundledSdk: OpenAiModule;
/** Which SDK `complete` uses: the one in node_modules unless a block sets the bundled one. */
let sdkUnderTest: (() => Promise<OpenAiModule>) | undefined;
let bundleDir: string;

beforeAll(async () => {
  fake = await startFakeOpenAiServer();
  bundleDir = await mkdtemp(path.join(tmpdir(), 'zhiji-openai-vendor-'));
  const file = path.join(bundleDir, 'openai.cjs');
  await build({ ...vendorBundleOptions('openai', file), logLevel: 'silent' });
  bundledSdk = createRequire(import.meta.url)(file) as OpenAiModule;
  // The model imports the SDK lazily; load it once here so the first test's timing measures only itself.
  await import('openai');
}, 30_000);
beforeEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
  await rm(bundleDir, { recursive: true, force: true });
});

interface Outcome {
  error: AppError;
  elapsedMs: number;
}

function modelConfig(stream: boolean, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    provider: 'openai',
    baseUrl: fake.baseUrl,
    apiKey: fake.apiKey,
    model: 'test-model',
    stream,
    maxTokens: 321,
    temperature: 0.4,
    // Long by default so only the deadline ends a stall; the idle-timeout tests shorten it.
    idleTimeoutMs: 20_000,
    maxAttempts: 2,
    maxRetryWaitMs: 3_000,
    fallback: undefined,
    ...overrides,
  };
}

/** Calls the model exactly as the chat handler does, with a deadline `deadlineMs` from now. */
function complete(config: ModelConfig, deadlineMs: number) {
  return completeWithDeadline(createOpenAiChatModel(config, systemTimers, sdkUnderTest), MESSAGES, {
    deadlineAt: Date.now() + deadlineMs,
    maxAttempts: config.maxAttempts,
    maxRetryWaitMs: config.maxRetryWaitMs,
    timers: wallTimers,
  });
}

/**
 * Runs a call that must fail; checks it failed with `code` within the deadline and that neither the
 * provider's text nor the key reached the message or the response body.
 */
async function expectFailure(config: ModelConfig, deadlineMs: number, code: ErrorCode): Promise<Outcome> {
  const startedAt = Date.now();
  const caught = await complete(config, deadlineMs).then(
    (reply) => new Error(`expected ${code}, but the call returned ${JSON.stringify(reply.text)}`),
    (error: unknown) => error,
  );
  const elapsedMs = Date.now() - startedAt;
  expect(caught).toBeInstanceOf(AppError);
  const error = caught as AppError;
  expect(error.code).toBe(code);
  expect(elapsedMs).toBeLessThan(deadlineMs + LATENESS_MS);
  expectNoLeak(error, config.apiKey);
  return { error, elapsedMs };
}

function expectNoLeak(error: AppError, apiKey: string): void {
  const body = JSON.stringify(error.toBody());
  for (const secret of [PROVIDER_TEXT, apiKey, 'nginx', 'Incorrect API key', 'Rate limit reached']) {
    expect(error.message).not.toContain(secret);
    expect(body).not.toContain(secret);
  }
}

function providerError(status: number, extra: { retryAfterSeconds?: number } = {}): FakeReply {
  return { kind: 'error', status, message: `${PROVIDER_TEXT} (status ${status})`, ...extra };
}

// Streaming, as the platform calls the model, runs the SDK as the build bundles it.
describe.each([
  { mode: 'streaming (SDK as bundled)', stream: true, bundled: true },
  { mode: 'JSON', stream: false, bundled: false },
])('OpenAI chat model, $mode mode', ({ stream, bundled }) => {
  beforeEach(() => {
    sdkUnderTest = bundled ? async () => bundledSdk : undefined;
  });
  afterEach(() => {
    sdkUnderTest = undefined;
  });

  describe('success', () => {
    it('returns the exact text (CJK and emoji) and usage, and sends what the config and messages say', async () => {
      fake.enqueue({
        kind: 'reply',
        content: REPLY_TEXT,
        usage: { prompt_tokens: 42, completion_tokens: 17 },
      });
      const reply = await complete(modelConfig(stream), 5_000);
      expect(reply).toEqual({
        text: REPLY_TEXT,
        usage: { promptTokens: 42, completionTokens: 17 },
        fromFallback: false,
      });

      const requests = fake.requests();
      expect(requests).toHaveLength(1);
      const request = requests[0];
      expect(request?.path).toBe('/v1/chat/completions');
      expect(request?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
      expect(request?.body).toMatchObject({
        model: 'test-model',
        messages: MESSAGES,
        max_tokens: 321,
        temperature: 0.4,
        stream,
      });
      // Exactly the roles and contents given, in order, with nothing added to any message.
      expect(request?.body.messages).toEqual(MESSAGES);
      // Usage comes in a trailer chunk only when asked for; the JSON body always carries it.
      if (stream) expect(request?.body.stream_options).toEqual({ include_usage: true });
    });

    it('ignores DeepSeek-style keep-alives around a normal reply', async () => {
      fake.enqueue({ kind: 'reply', content: REPLY_TEXT, keepAliveComments: true });
      const reply = await complete(modelConfig(stream), 5_000);
      expect(reply.text).toBe(REPLY_TEXT);
    });
  });

  describe('each fault ends within the deadline with its own code', () => {
    it('connection refused → LLM_UNAVAILABLE', async () => {
      const config = modelConfig(stream, { baseUrl: await unusedLoopbackUrl() });
      const { error } = await expectFailure(config, 1_000, 'LLM_UNAVAILABLE');
      expect(error.retryable).toBe(true);
    });

    it('connection reset before any response → LLM_UNAVAILABLE', async () => {
      fake.setDefault({ kind: 'drop-connection' });
      await expectFailure(modelConfig(stream), 1_000, 'LLM_UNAVAILABLE');
    });

    it.each([500, 502, 503])('%i → LLM_UPSTREAM_ERROR, retryable', async (status) => {
      fake.setDefault(providerError(status));
      const { error } = await expectFailure(
        modelConfig(stream, { maxAttempts: 1 }),
        1_000,
        'LLM_UPSTREAM_ERROR',
      );
      expect(error.retryable).toBe(true);
      expect(error.status).toBe(502);
    });

    it('429 with Retry-After: 600 → LLM_RATE_LIMITED at once, with retryAfterMs, without sleeping', async () => {
      fake.setDefault(providerError(429, { retryAfterSeconds: 600 }));
      // A long deadline: the call must still return quickly because 600 s exceeds maxRetryWaitMs.
      const { error, elapsedMs } = await expectFailure(modelConfig(stream), 10_000, 'LLM_RATE_LIMITED');
      expect(elapsedMs).toBeLessThan(LATENESS_MS + 300);
      expect(error.retryAfterMs).toBeGreaterThan(599_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(600_000);
      expect(error.toBody().error.retry_after_seconds).toBe(600);
      expect(fake.requests()).toHaveLength(1);
    });

    it('headers, then a stalled body → LLM_TIMEOUT by the deadline', async () => {
      fake.setDefault({ kind: 'stall-after-headers' });
      const { elapsedMs } = await expectFailure(modelConfig(stream), 800, 'LLM_TIMEOUT');
      expect(elapsedMs).toBeGreaterThanOrEqual(780);
      // maxAttempts is 2, but a timeout has used the turn's time: no second request.
      expect(fake.requests()).toHaveLength(1);
    });

    it('stall before the headers → LLM_TIMEOUT by the deadline', async () => {
      fake.setDefault({ kind: 'stall-before-headers' });
      const { elapsedMs } = await expectFailure(modelConfig(stream), 800, 'LLM_TIMEOUT');
      expect(elapsedMs).toBeGreaterThanOrEqual(780);
      expect(fake.requests()).toHaveLength(1);
    });

    it('body cut off (socket destroyed) → an error, not the partial text', async () => {
      fake.setDefault({ kind: 'cut-stream', partialContent: '[sad] 很遗憾😢听到' });
      // Streaming: undici's "terminated" TypeError after the headers; JSON: the SDK's own read error.
      const { error } = await expectFailure(
        modelConfig(stream, { maxAttempts: 1 }),
        1_000,
        stream ? 'LLM_STREAM_INTERRUPTED' : 'LLM_UPSTREAM_ERROR',
      );
      expect(error.retryable).toBe(true);
    });

    it('body ended cleanly but early (no finish_reason / [DONE]) → an error, not the partial text', async () => {
      fake.setDefault({ kind: 'cut-stream', partialContent: '[sad] 很遗憾😢听到', cleanEnd: true });
      // Streaming: the SDK ends quietly and the model notices the missing finish; JSON: half a body.
      const code = stream ? 'LLM_STREAM_INTERRUPTED' : 'LLM_BAD_RESPONSE';
      const { error } = await expectFailure(modelConfig(stream, { maxAttempts: 1 }), 1_000, code);
      expect(error.retryable).toBe(true);
    });

    it('a body that is not JSON → LLM_BAD_RESPONSE', async () => {
      fake.setDefault({ kind: 'invalid-json', body: `<html>${PROVIDER_TEXT} nginx</html>` });
      await expectFailure(modelConfig(stream, { maxAttempts: 1 }), 1_000, 'LLM_BAD_RESPONSE');
    });

    it('the default nginx error page → LLM_BAD_RESPONSE', async () => {
      fake.setDefault({ kind: 'invalid-json' });
      await expectFailure(modelConfig(stream, { maxAttempts: 1 }), 1_000, 'LLM_BAD_RESPONSE');
    });

    it('empty content → LLM_EMPTY_REPLY', async () => {
      fake.setDefault({ kind: 'empty-content' });
      await expectFailure(modelConfig(stream, { maxAttempts: 1 }), 1_000, 'LLM_EMPTY_REPLY');
    });

    it('whitespace-only content → LLM_EMPTY_REPLY', async () => {
      fake.setDefault({ kind: 'reply', content: ' \n ' });
      await expectFailure(modelConfig(stream, { maxAttempts: 1 }), 1_000, 'LLM_EMPTY_REPLY');
    });

    it('finish_reason content_filter → LLM_CONTENT_FILTERED, not retried even with time to spare', async () => {
      fake.setDefault({ kind: 'reply', content: '[sad] 这个', finishReason: 'content_filter' });
      const { error } = await expectFailure(modelConfig(stream), 5_000, 'LLM_CONTENT_FILTERED');
      expect(error.retryable).toBe(false);
      expect(fake.requests()).toHaveLength(1);
    });

    it('401 (bad key) → LLM_UPSTREAM_ERROR, retryable false, one request only, key not echoed', async () => {
      const wrongKey = 'sk-wrong-key-must-not-leak-12345';
      const config = modelConfig(stream, { apiKey: wrongKey });
      const { error } = await expectFailure(config, 5_000, 'LLM_UPSTREAM_ERROR');
      expect(error.retryable).toBe(false);
      expect(fake.requests()).toHaveLength(1);
      expect(fake.requests()[0]?.headers.authorization).toBe(`Bearer ${wrongKey}`);
    });

    it('a provider error text that quotes the key is not passed on', async () => {
      fake.setDefault({
        kind: 'error',
        status: 401,
        message: `${PROVIDER_TEXT}: invalid key ${fake.apiKey}`,
      });
      const { error } = await expectFailure(modelConfig(stream), 5_000, 'LLM_UPSTREAM_ERROR');
      expect(error.retryable).toBe(false);
    });

    it('400 → LLM_UPSTREAM_ERROR, not retried', async () => {
      fake.setDefault(providerError(400));
      const { error } = await expectFailure(modelConfig(stream), 5_000, 'LLM_UPSTREAM_ERROR');
      expect(error.retryable).toBe(false);
      expect(fake.requests()).toHaveLength(1);
    });
  });

  describe('retries while time remains (maxAttempts 2)', () => {
    it.each([500, 502, 503])('%i once, then a reply → the second reply is returned', async (status) => {
      fake.enqueue(providerError(status), { kind: 'reply', content: SECOND_TEXT });
      const reply = await complete(modelConfig(stream), 4_000);
      expect(reply.text).toBe(SECOND_TEXT);
      expect(fake.requests()).toHaveLength(2);
    });

    it('500 twice → LLM_UPSTREAM_ERROR after exactly two requests', async () => {
      fake.setDefault(providerError(500));
      await expectFailure(modelConfig(stream), 4_000, 'LLM_UPSTREAM_ERROR');
      expect(fake.requests()).toHaveLength(2);
    });

    it('too little time left for a second attempt → the first error, one request', async () => {
      fake.setDefault(providerError(503));
      // 1 s deadline: after the 200 ms backoff less than the 1.5 s a useful attempt needs would remain.
      await expectFailure(modelConfig(stream), 1_000, 'LLM_UPSTREAM_ERROR');
      expect(fake.requests()).toHaveLength(1);
    });

    it('429 with Retry-After: 0 → retried at once', async () => {
      fake.enqueue(providerError(429, { retryAfterSeconds: 0 }), { kind: 'reply', content: SECOND_TEXT });
      const startedAt = Date.now();
      const reply = await complete(modelConfig(stream), 4_000);
      expect(reply.text).toBe(SECOND_TEXT);
      expect(fake.requests()).toHaveLength(2);
      expect(Date.now() - startedAt).toBeLessThan(LATENESS_MS + 300);
    });

    it('a cut stream, then a reply → only the second reply, no partial text carried over', async () => {
      fake.enqueue(
        { kind: 'cut-stream', partialContent: '[sad] 半句话' },
        { kind: 'reply', content: SECOND_TEXT },
      );
      const reply = await complete(modelConfig(stream), 4_000);
      expect(reply.text).toBe(SECOND_TEXT);
      expect(fake.requests()).toHaveLength(2);
    });
  });

  describe('keep-alives do not hold a stalled reply open', () => {
    let keepAlive: KeepAliveStallServer;
    beforeAll(async () => {
      keepAlive = await startKeepAliveStallServer();
    });
    afterAll(() => keepAlive.close());

    it(
      stream
        ? 'streaming: one delta, then only `: keep-alive` comments → LLM_TIMEOUT after idleTimeoutMs'
        : 'JSON: headers, then only blank keep-alive lines → LLM_TIMEOUT by the deadline',
      async () => {
        const idleTimeoutMs = 300;
        const deadlineMs = stream ? 2_000 : 800;
        const config = modelConfig(stream, { baseUrl: keepAlive.baseUrl, idleTimeoutMs });
        const keepAlivesBefore = keepAlive.keepAlivesSent();
        const { elapsedMs } = await expectFailure(config, deadlineMs, 'LLM_TIMEOUT');
        // The server really was sending keep-alives while the client decided the reply was dead.
        expect(keepAlive.keepAlivesSent() - keepAlivesBefore).toBeGreaterThanOrEqual(2);
        if (stream) expect(elapsedMs).toBeLessThan(idleTimeoutMs + LATENESS_MS);
        else expect(elapsedMs).toBeGreaterThanOrEqual(deadlineMs - 20);
      },
    );
  });
});

describe('streaming idle timeout', () => {
  it('partial content, then silence → LLM_TIMEOUT about idleTimeoutMs after the last delta, long before the deadline', async () => {
    fake.setDefault({ kind: 'stall-after-headers', partialContent: '[sad] 我在想怎么说' });
    const idleTimeoutMs = 300;
    const config = modelConfig(true, { idleTimeoutMs });
    const { elapsedMs } = await expectFailure(config, 2_000, 'LLM_TIMEOUT');
    expect(elapsedMs).toBeGreaterThanOrEqual(idleTimeoutMs - 20);
    expect(elapsedMs).toBeLessThan(idleTimeoutMs + LATENESS_MS);
    // A stall is a timeout: not retried, even though 1.7 s remained.
    expect(fake.requests()).toHaveLength(1);
  });

  it('reasoning deltas count as progress: a model that thinks longer than idleTimeoutMs still answers', async () => {
    // Six thoughts 150 ms apart: 900 ms before the first content, three times the idle limit.
    fake.setDefault({
      kind: 'reply',
      content: '[thinking] 我们一起想想办法。',
      reasoning: { deltas: ['嗯', '用户', '很', '焦虑', '先', '共情'], gapMs: 150 },
    });
    const reply = await complete(modelConfig(true, { idleTimeoutMs: 300 }), 3_000);
    expect(reply.text).toBe('[thinking] 我们一起想想办法。');
  });

  it('headers but no content at all → LLM_TIMEOUT after idleTimeoutMs', async () => {
    fake.setDefault({ kind: 'stall-after-headers' });
    const idleTimeoutMs = 300;
    const { elapsedMs } = await expectFailure(modelConfig(true, { idleTimeoutMs }), 2_000, 'LLM_TIMEOUT');
    expect(elapsedMs).toBeLessThan(idleTimeoutMs + LATENESS_MS);
  });
});

describe('Retry-After within maxRetryWaitMs', () => {
  // The wait happens in completeWithDeadline, the same for both modes, so one mode is enough for this 1 s test.
  it('429 with Retry-After: 1 and maxRetryWaitMs 3000 → waits about a second, then retries', async () => {
    fake.enqueue(providerError(429, { retryAfterSeconds: 1 }), { kind: 'reply', content: SECOND_TEXT });
    const startedAt = Date.now();
    const reply = await complete(modelConfig(true), 4_000);
    const elapsedMs = Date.now() - startedAt;
    expect(reply.text).toBe(SECOND_TEXT);
    expect(fake.requests()).toHaveLength(2);
    expect(elapsedMs).toBeGreaterThanOrEqual(950);
    expect(elapsedMs).toBeLessThan(4_000);
  });
});

interface KeepAliveStallServer {
  baseUrl: string;
  keepAlivesSent(): number;
  close(): Promise<void>;
}

/**
 * The shared fake has no "stalled, but still sending keep-alives" reply, so this tiny loopback server
 * plays it: SSE requests get the role chunk and one content delta, then `: keep-alive` comments every
 * 50 ms forever; JSON requests get 200 headers, then a blank line every 50 ms (DeepSeek's JSON keep-alive).
 */
async function startKeepAliveStallServer(): Promise<KeepAliveStallServer> {
  const sockets = new Set<Socket>();
  let keepAlives = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean };
      const timer = setInterval(() => {
        keepAlives += 1;
        response.write(body.stream === true ? ': keep-alive\n\n' : '\n');
      }, 50);
      response.on('close', () => clearInterval(timer));
      if (body.stream !== true) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.flushHeaders();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      const chunk = (delta: Record<string, string>) =>
        `data: ${JSON.stringify({
          id: 'chatcmpl-keepalive',
          object: 'chat.completion.chunk',
          created: 0,
          model: 'test-model',
          choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
        })}\n\n`;
      response.write(chunk({ role: 'assistant', content: '' }));
      response.write(chunk({ content: '[worried] 嗯' }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    keepAlivesSent: () => keepAlives,
    close: () =>
      new Promise<void>((resolve) => {
        // The stalled responses never end on their own; destroying their sockets lets the server close.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('onText: the pieces of a streamed reply as they arrive', () => {
  const attempt = (
    config: ModelConfig,
    options: Parameters<typeof completeWithDeadline>[2]['onText'],
    mayRetry?: () => boolean,
  ) =>
    completeWithDeadline(createOpenAiChatModel(config, systemTimers), MESSAGES, {
      deadlineAt: Date.now() + 5_000,
      maxAttempts: 2,
      maxRetryWaitMs: 1_000,
      timers: wallTimers,
      onText: options,
      mayRetry,
    });

  it('streams even with LLM_STREAM off, passes every piece in order, and still resolves the whole reply and usage', async () => {
    fake.enqueue({
      kind: 'reply',
      content: REPLY_TEXT,
      deltas: ['[thinking] 没关系，', '我们一起想想办法🌱✨。', '下次会更好的！'],
    });
    const pieces: [string, number][] = [];
    const reply = await attempt(modelConfig(false), (text, number) => pieces.push([text, number]));
    expect(pieces).toEqual([
      ['[thinking] 没关系，', 1],
      ['我们一起想想办法🌱✨。', 1],
      ['下次会更好的！', 1],
    ]);
    expect(reply.text).toBe(REPLY_TEXT);
    expect(reply.usage?.completionTokens).toBeGreaterThan(0);
    expect(fake.requests()[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('an error event mid-stream fails the attempt; a caller that showed the words gets no second attempt', async () => {
    fake.enqueue(
      { kind: 'error-mid-stream', partialContent: '[caring] 我在', status: 500 },
      { kind: 'reply', content: SECOND_TEXT },
    );
    const pieces: string[] = [];
    const failure = await attempt(
      modelConfig(true),
      (text) => pieces.push(text),
      () => pieces.length === 0,
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppError);
    expect(pieces.join('')).toBe('[caring] 我在');
    expect(fake.requests()).toHaveLength(1);
  });

  it('a stream cut before any piece is retried, and the new attempt comes with its own number', async () => {
    fake.enqueue({ kind: 'cut-stream', partialContent: '' }, { kind: 'reply', content: SECOND_TEXT });
    const numbers = new Set<number>();
    const reply = await attempt(
      modelConfig(true),
      (_text, number) => numbers.add(number),
      () => true,
    );
    expect(reply.text).toBe(SECOND_TEXT);
    expect([...numbers]).toEqual([2]);
  });
});

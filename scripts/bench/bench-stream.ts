/**
 * The stream's own cost (issue 11), on loopback with the crisis judge off: the time from the moment the
 * fake model sends the first character past its emotion tag to the moment the client reads the first
 * `delta`, over many streams; and a whole turn through POST /api/chat/stream beside the same turn through
 * POST /api/chat (both through npm start's server, the local adapter, the real openai SDK).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { createStreamHandler } from '../../shared/runtime/create-stream-handler.js';
import type { TestServices } from '../../tests/support/test-services.js';
import { createLocalServer } from '../local-server.js';

const round = (value: number) => Math.round(value * 100) / 100;
function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((first, second) => first - second);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN);
}

/** Reads a stream until `done`; the time the first `delta` was read, and when the stream ended. */
async function readStream(url: string, body: unknown) {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  const reader = response.body?.getReader();
  if (reader === undefined || response.status !== 200) throw new Error(`stream refused: ${response.status}`);
  const decoder = new TextDecoder();
  let text = '';
  let firstDeltaAt: number | undefined;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (firstDeltaAt === undefined && text.includes('event: delta')) firstDeltaAt = performance.now();
  }
  if (!text.includes('event: done')) throw new Error('stream ended without done');
  return { firstDeltaAt, endedAt: performance.now() };
}

export async function measureStream(services: TestServices, options: { streams: number; turns: number }) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zhiji-bench-stream-'));
  const environment = {
    STORAGE: 'local',
    DATA_DIR: dataDir,
    OPENAI_BASE_URL: services.model.baseUrl,
    OPENAI_API_KEY: services.model.apiKey,
    LLM_MODEL: 'bench-model',
    MSG_SEC_CHECK: 'off',
    RATE_LIMIT_PER_MINUTE: '0',
    DAILY_MESSAGE_QUOTA: '0',
    DAILY_TOKEN_QUOTA: '0',
    LOG_LEVEL: 'silent',
  };
  const overrides = { logger: createLogger('silent') };
  const server: http.Server = createLocalServer({
    host: '127.0.0.1',
    maxRequestBytes: 64 * 1024,
    chat: createFunctionHandler(chatEndpoint, { environment, overrides }),
    history: createFunctionHandler(historyEndpoint, { environment, overrides }),
    chatStream: createStreamHandler({ environment, overrides }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  services.model.reset();
  try {
    // 1. The first words: the tag alone first, then the words 20 ms later, as a model writes.
    const firstDelta: number[] = [];
    for (let index = -10; index < options.streams; index += 1) {
      let wordsSentAt: number | undefined;
      services.model.enqueue({
        kind: 'reply',
        content: '[caring] 我在这里，慢慢说。',
        deltas: ['[caring]', ' 我在这里，', '慢慢说。'],
        gapMs: 20,
        onDelta: (delta) => {
          if (wordsSentAt === undefined && delta !== '[caring]') wordsSentAt = performance.now();
        },
      });
      const body = {
        user_id: 'bench',
        session_id: `first_${index}`,
        message: '你好',
        client_msg_id: `f${index}`,
      };
      const { firstDeltaAt } = await readStream(`${base}/api/chat/stream`, body);
      // The first ten warm the SDK and the handler, as a warm instance is.
      if (index >= 0 && firstDeltaAt !== undefined && wordsSentAt !== undefined) {
        firstDelta.push(firstDeltaAt - wordsSentAt);
      }
    }
    // 2. The whole turn, the model answering at once, through each endpoint in turn.
    const plain: number[] = [];
    const streamed: number[] = [];
    services.model.setDefault({ kind: 'reply', content: '[caring] 我在这里，慢慢说。' });
    for (let index = -10; index < options.turns; index += 1) {
      const body = (kind: string) => ({ user_id: 'bench', session_id: `${kind}_${index}`, message: '你好' });
      let started = performance.now();
      const reply = await fetch(`${base}/api/chat`, { method: 'POST', body: JSON.stringify(body('plain')) });
      await reply.json();
      const plainMs = performance.now() - started;
      started = performance.now();
      const { endedAt } = await readStream(`${base}/api/chat/stream`, body('stream'));
      if (index >= 0) {
        plain.push(plainMs);
        streamed.push(endedAt - started);
      }
    }
    return {
      streams: firstDelta.length,
      first_delta_p50_ms: percentile(firstDelta, 0.5),
      first_delta_p99_ms: percentile(firstDelta, 0.99),
      turns: plain.length,
      post_chat_p50_ms: percentile(plain, 0.5),
      post_chat_p99_ms: percentile(plain, 0.99),
      stream_p50_ms: percentile(streamed, 0.5),
      stream_p99_ms: percentile(streamed, 0.99),
    };
  } finally {
    services.model.reset();
    await new Promise((resolve) => server.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
}

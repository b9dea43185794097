import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import {
  type FakeOpenAiServer,
  type FakeReply,
  startFakeOpenAiServer,
  unusedLoopbackUrl,
} from '../fakes/fake-openai-server.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import { recordingLogger, startTestServices, type TestServices } from '../support/test-services.js';

const DEADLINE_MS = 2_500;
const LATENESS_MS = 700;

let services: TestServices;
let fallbackServer: FakeOpenAiServer;
let refusingUrl: string;
beforeAll(async () => {
  [services, fallbackServer, refusingUrl] = await Promise.all([
    startTestServices(),
    startFakeOpenAiServer(),
    unusedLoopbackUrl(),
  ]);
});
afterAll(async () => {
  await Promise.all([services.close(), fallbackServer.close()]);
});

interface Answer {
  content?: string;
  error?: { code: string; retryable: boolean; retry_after_seconds?: number };
}
interface HistoryMessage {
  role: string;
  content: string;
  status?: string;
  error_code?: string;
}

const faults: [string, FakeReply | 'refused', string][] = [
  ['connection refused', 'refused', 'LLM_UNAVAILABLE'],
  ['HTTP 500', { kind: 'error', status: 500 }, 'LLM_UPSTREAM_ERROR'],
  ['HTTP 502', { kind: 'error', status: 502 }, 'LLM_UPSTREAM_ERROR'],
  ['HTTP 503', { kind: 'error', status: 503 }, 'LLM_UPSTREAM_ERROR'],
  ['429 with Retry-After: 600', { kind: 'error', status: 429, retryAfterSeconds: 600 }, 'LLM_RATE_LIMITED'],
  ['headers then a stalled body', { kind: 'stall-after-headers', partialContent: '[sad] 我' }, 'LLM_TIMEOUT'],
  [
    'a stream cut without [DONE]',
    { kind: 'cut-stream', partialContent: '[sad] 很遗憾' },
    'LLM_STREAM_INTERRUPTED',
  ],
  ['a body that is not JSON', { kind: 'invalid-json' }, 'LLM_BAD_RESPONSE'],
  ['empty content', { kind: 'empty-content' }, 'LLM_EMPTY_REPLY'],
  [
    'finish_reason content_filter',
    { kind: 'reply', content: '[sad] 部分', finishReason: 'content_filter' },
    'LLM_CONTENT_FILTERED',
  ],
];

describe.each(adaptersUnderTest(() => services))('model faults ($name adapter)', (adapter) => {
  beforeEach(async () => {
    await adapter.reset();
    services.model.reset();
    fallbackServer.reset();
    return () => adapter.cleanup();
  });

  function functions(extra: Record<string, string> = {}) {
    const environment = adapter.environment({
      CHAT_DEADLINE_MS: String(DEADLINE_MS),
      STORAGE_RESERVE_MS: '800',
      CLOUDBASE_TIMEOUT_MS: '800',
      // About the reply call's faults: the judge's call beside it (tests/chat/crisis-judge-turn.test.ts)
      // would only add load to a deadline this tight.
      CRISIS_JUDGE: 'off',
      ...extra,
    });
    const overrides = { logger: recordingLogger().logger };
    const chat = createFunctionHandler(chatEndpoint, { environment, overrides });
    const history = createFunctionHandler(historyEndpoint, { environment, overrides });
    return {
      chat: async (body: Record<string, unknown>) =>
        (await chat({ user_id: 'u1', session_id: 's1', ...body })) as Answer,
      history: async () =>
        ((await history({ user_id: 'u1', session_id: 's1' })) as { messages: HistoryMessage[] }).messages,
    };
  }

  it.each(faults)(
    '%s: ends within the deadline with %s, the words kept, no reply stored',
    async (_name, fault, code) => {
      if (fault !== 'refused') services.model.setDefault(fault);
      const { chat, history } = functions(fault === 'refused' ? { OPENAI_BASE_URL: refusingUrl } : {});
      const startedAt = Date.now();
      const answer = await chat({ message: '今天好难熬', client_msg_id: 'c-1' });
      expect(Date.now() - startedAt).toBeLessThan(DEADLINE_MS + LATENESS_MS);
      expect(answer.error?.code).toBe(code);
      expect(answer.content).toBeUndefined();
      expect(await history()).toEqual([
        expect.objectContaining({ role: 'user', content: '今天好难熬', status: 'failed', error_code: code }),
      ]);
    },
  );

  describe('with a fallback provider', () => {
    const fallbackEnvironment = () => ({
      LLM_FALLBACK_BASE_URL: fallbackServer.baseUrl,
      LLM_FALLBACK_API_KEY: fallbackServer.apiKey,
      LLM_FALLBACK_MODEL: 'fallback-model',
    });

    it.each([
      ['HTTP 503', { kind: 'error', status: 503 } as FakeReply],
      ['429 with Retry-After: 600', { kind: 'error', status: 429, retryAfterSeconds: 600 } as FakeReply],
      ['a stream cut without [DONE]', { kind: 'cut-stream', partialContent: '[sad] 很' } as FakeReply],
    ])('answers from the fallback at once when the first provider sends %s', async (_name, fault) => {
      services.model.setDefault(fault);
      fallbackServer.setDefault({ kind: 'reply', content: '[caring] 我在这里。' });
      const { chat, history } = functions(fallbackEnvironment());
      const startedAt = Date.now();
      const answer = await chat({ message: '你在吗' });
      expect(Date.now() - startedAt).toBeLessThan(DEADLINE_MS);
      expect(answer).toMatchObject({ content: '我在这里。' });
      expect(services.model.requests()).toHaveLength(1);
      expect(fallbackServer.requests()).toHaveLength(1);
      expect(fallbackServer.requests()[0]?.body.model).toBe('fallback-model');
      expect((await history()).map((message) => message.status ?? message.role)).toEqual([
        'complete',
        'agent',
      ]);
    });

    it('does not go around a content filter, and reports the last failure when both providers fail', async () => {
      services.model.setDefault({ kind: 'reply', content: '[sad] 部分', finishReason: 'content_filter' });
      const filtered = await functions(fallbackEnvironment()).chat({ message: '一' });
      expect(filtered.error?.code).toBe('LLM_CONTENT_FILTERED');
      expect(fallbackServer.requests()).toHaveLength(0);

      services.model.setDefault({ kind: 'error', status: 500 });
      fallbackServer.setDefault({ kind: 'empty-content' });
      const failed = await functions(fallbackEnvironment()).chat({ message: '二' });
      expect(failed.error?.code).toBe('LLM_EMPTY_REPLY');
      expect(fallbackServer.requests()).toHaveLength(1);
    });
  });
});

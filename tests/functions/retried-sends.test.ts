import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load-config.js';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { createSessionStore } from '../../shared/storage/create-session-store.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import { recordingLogger, startTestServices, type TestServices } from '../support/test-services.js';

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

interface Reply {
  message_id: string;
  content: string;
  user_message_id: string;
  client_msg_id: string;
  error?: { code: string; retryable: boolean; retry_after_seconds?: number };
}
interface HistoryMessage {
  message_id: string;
  role: string;
  content: string;
  status?: string;
  reply_to?: string;
}

/** The model echoes the last user message, so a reply shows which question it answered. */
function echoLastQuestion(body: Record<string, unknown>) {
  const messages = body.messages as { role: string; content: string }[];
  const last = messages.at(-1)?.content ?? '';
  return { kind: 'reply' as const, content: `[caring] 收到：${last}` };
}

describe.each(adaptersUnderTest(() => services))(
  'retried and concurrent sends ($name adapter)',
  (adapter) => {
    beforeEach(async () => {
      await adapter.reset();
      services.model.reset();
      services.model.setDefault(echoLastQuestion);
      return () => adapter.cleanup();
    });

    function functions(extra: Record<string, string> = {}) {
      // About resends and their timing: the crisis judge's call beside each reply would only add load.
      const environment = adapter.environment({ CRISIS_JUDGE: 'off', ...extra });
      const overrides = { logger: recordingLogger().logger };
      const chat = createFunctionHandler(chatEndpoint, { environment, overrides });
      const history = createFunctionHandler(historyEndpoint, { environment, overrides });
      return {
        chat: async (body: Record<string, unknown>) =>
          (await chat({ user_id: 'u1', session_id: 's1', ...body })) as Reply,
        history: async () =>
          ((await history({ user_id: 'u1', session_id: 's1' })) as { messages: HistoryMessage[] }).messages,
        store: () => createSessionStore(loadConfig(environment)),
      };
    }

    it('answers a resend with the stored reply, without asking the model again', async () => {
      const { chat, history } = functions();
      const first = await chat({ message: '我睡不着', client_msg_id: 'c-1' });
      const again = await chat({ message: '我睡不着', client_msg_id: 'c-1' });
      expect(first.error).toBeUndefined();
      expect(again).toEqual(first);
      expect(services.model.requests()).toHaveLength(1);
      expect((await history()).map((message) => [message.role, message.content])).toEqual([
        ['user', '我睡不着'],
        ['agent', '收到：我睡不着'],
      ]);
    });

    it('refuses the same client_msg_id with different words, storing nothing', async () => {
      const { chat, history } = functions();
      await chat({ message: '第一句', client_msg_id: 'c-1' });
      const conflict = await chat({ message: '另一句', client_msg_id: 'c-1' });
      expect(conflict.error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', retryable: false });
      expect(services.model.requests()).toHaveLength(1);
      expect(await history()).toHaveLength(2);
    });

    it('gives a double tap one turn: the second send waits for the first and gets its reply', async () => {
      services.model.enqueue({ kind: 'reply', content: '[caring] 我在。', delayMs: 800 });
      const { chat, history } = functions();
      const [first, second] = await Promise.all([
        chat({ message: '你在吗', client_msg_id: 'tap' }),
        new Promise<Reply>((resolve) =>
          setTimeout(() => resolve(chat({ message: '你在吗', client_msg_id: 'tap' })), 100),
        ),
      ]);
      expect(first.error).toBeUndefined();
      expect(second).toEqual(first);
      expect(services.model.requests()).toHaveLength(1);
      expect(await history()).toHaveLength(2);
    });

    it('tells a resend that cannot wait long enough that the first send is still running', async () => {
      services.model.enqueue({ kind: 'reply', content: '[caring] 慢慢说。', delayMs: 2_500 });
      const patient = functions({ CHAT_DEADLINE_MS: '8000' });
      const hurried = functions({
        CHAT_DEADLINE_MS: '2000',
        STORAGE_RESERVE_MS: '1000',
        CLOUDBASE_TIMEOUT_MS: '1000',
      });
      const first = patient.chat({ message: '很长的一段话', client_msg_id: 'slow' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const early = await hurried.chat({ message: '很长的一段话', client_msg_id: 'slow' });
      expect(early.error).toMatchObject({ code: 'IDEMPOTENCY_IN_PROGRESS', retryable: true });
      expect(early.error?.retry_after_seconds).toBeGreaterThanOrEqual(1);
      const answered = await first;
      expect(await hurried.chat({ message: '很长的一段话', client_msg_id: 'slow' })).toEqual(answered);
      expect(services.model.requests()).toHaveLength(1);
    });

    it('completes a failed turn when it is sent again, keeping one copy of the words', async () => {
      services.model.enqueue({ kind: 'error', status: 503 }, { kind: 'error', status: 503 });
      const { chat, history } = functions();
      const failed = await chat({ message: '帮帮我', client_msg_id: 'c-f' });
      expect(failed.error).toMatchObject({ code: 'LLM_UPSTREAM_ERROR', retryable: true });
      expect((await history()).map((message) => [message.content, message.status])).toEqual([
        ['帮帮我', 'failed'],
      ]);

      const retried = await chat({ message: '帮帮我', client_msg_id: 'c-f' });
      expect(retried.error).toBeUndefined();
      expect(retried.content).toBe('收到：帮帮我');
      const stored = await history();
      expect(stored.map((message) => [message.role, message.content, message.status])).toEqual([
        ['user', '帮帮我', 'complete'],
        ['agent', '收到：帮帮我', undefined],
      ]);
      expect(stored[1]?.reply_to).toBe(stored[0]?.message_id);
      // The retry's context holds the words once: the failed copy is not history.
      const lastRequest = services.model.requests().at(-1)?.body as { messages: { content: string }[] };
      expect(lastRequest.messages.filter((message) => message.content === '帮帮我')).toHaveLength(1);
    });

    it('takes over a turn whose function died while it was pending', async () => {
      const { chat, history, store } = functions();
      const longAgo = '2026-01-01T00:00:00.000Z';
      await store().beginTurn({
        key: { userId: 'u1', sessionId: 's1' },
        seedMessages: [],
        question: {
          message_id: 'm-dead',
          role: 'user',
          content: '还在吗',
          timestamp: longAgo,
          status: 'pending',
          client_msg_id: 'c-dead',
          attempt_id: 'a-dead',
          attempt_at: longAgo,
          attempts: 1,
        },
        now: longAgo,
        sessionExisted: false,
      });
      const reply = await chat({ message: '还在吗', client_msg_id: 'c-dead' });
      expect(reply).toMatchObject({ content: '收到：还在吗', user_message_id: 'm-dead' });
      expect((await history()).map((message) => [message.content, message.status])).toEqual([
        ['还在吗', 'complete'],
        ['收到：还在吗', undefined],
      ]);
    });

    it('lands 50 concurrent turns to one session, none twice, each reply after its own question', async () => {
      const { chat, history } = functions();
      const count = 50;
      const replies = await Promise.all(
        Array.from({ length: count }, (_, index) =>
          chat({ message: `第${index}句`, client_msg_id: `c-${index}` }),
        ),
      );
      expect(replies.filter((reply) => reply.error !== undefined)).toEqual([]);
      const stored = await history();
      expect(stored).toHaveLength(count * 2);
      const questions = stored.filter((message) => message.role === 'user');
      expect(new Set(questions.map((message) => message.content)).size).toBe(count);
      for (const question of questions) {
        const questionIndex = stored.indexOf(question);
        const answers = stored.filter((message) => message.reply_to === question.message_id);
        expect(answers).toHaveLength(1);
        expect(stored.indexOf(answers[0] as HistoryMessage)).toBeGreaterThan(questionIndex);
        expect(answers[0]?.content).toBe(`收到：${question.content}`);
        expect(question.status).toBe('complete');
      }
    });
  },
);

describe('a database that fails for good while storing the reply (cloudbase adapter)', () => {
  it('answers STORAGE_UNAVAILABLE with the words kept pending and no reply, and a later resend completes the turn', async () => {
    services.emulator.reset();
    services.emulator.createCollection('chat_sessions');
    services.emulator.createCollection('chat_usage');
    services.model.reset();
    let now = Date.parse('2026-11-24T08:00:00.000Z');
    const environment = services.environment({
      CRISIS_JUDGE: 'off',
      CHAT_DEADLINE_MS: '3000',
      STORAGE_RESERVE_MS: '1500',
      CLOUDBASE_TIMEOUT_MS: '500',
    });
    const overrides = { logger: recordingLogger().logger, clock: () => new Date(now) };
    const chat = createFunctionHandler(chatEndpoint, { environment, overrides });
    const history = createFunctionHandler(historyEndpoint, { environment, overrides });
    const send = async () =>
      (await chat({
        user_id: 'u1',
        session_id: 's1',
        message: '别丢下我的话',
        client_msg_id: 'c-keep',
      })) as Reply;

    // The words are stored (an insert); every later write to the session fails.
    services.emulator.inject({
      action: 'database.modifyDocument',
      code: 'DATABASE_REQUEST_FAILED',
      times: 1_000,
    });
    const failed = await send();
    expect(failed.error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
    services.emulator.clearFaults();
    const kept = ((await history({ user_id: 'u1', session_id: 's1' })) as { messages: HistoryMessage[] })
      .messages;
    expect(kept.map((message) => [message.role, message.content, message.status])).toEqual([
      ['user', '别丢下我的话', 'pending'],
    ]);

    // Once the first attempt's function has surely ended, the resend takes the turn over and completes it.
    now += 2 * 60_000;
    const completed = await send();
    expect(completed.error).toBeUndefined();
    const after = ((await history({ user_id: 'u1', session_id: 's1' })) as { messages: HistoryMessage[] })
      .messages;
    expect(after.map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['agent', undefined],
    ]);
  });
});

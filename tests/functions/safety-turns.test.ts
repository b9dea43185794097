import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import {
  recordingLogger,
  startTestServices,
  TEST_COLLECTION,
  type TestServices,
} from '../support/test-services.js';

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

interface Answer {
  message_id?: string;
  content?: string;
  emotion?: string;
  ai_generated?: boolean;
  safety?: { level: string; resources: { name: string; phone: string }[] };
  error?: { code: string; message: string; retryable: boolean; retry_after_seconds?: number; field?: string };
}
interface HistoryMessage {
  role: string;
  content: string;
  status?: string;
  error_code?: string;
}

const HOTLINES = ['12356', '400-161-9995', '010-82951332', '800-810-1117', '110', '120'];

describe.each(adaptersUnderTest(() => services))('safety in a chat turn ($name adapter)', (adapter) => {
  beforeEach(async () => {
    await adapter.reset();
    services.model.reset();
    return () => adapter.cleanup();
  });

  function functions(extra: Record<string, string> = {}) {
    const environment = adapter.environment(extra);
    const { logger, lines } = recordingLogger();
    const chat = createFunctionHandler(chatEndpoint, { environment, overrides: { logger } });
    const history = createFunctionHandler(historyEndpoint, { environment, overrides: { logger } });
    return {
      lines,
      chat: async (body: Record<string, unknown>) =>
        (await chat({ user_id: 'u1', session_id: 's1', ...body })) as Answer,
      history: async () =>
        ((await history({ user_id: 'u1', session_id: 's1' })) as { messages: HistoryMessage[] }).messages,
    };
  }
  const systemPromptOf = (index: number) =>
    (services.model.requests()[index]?.body as { messages?: { content: string }[] } | undefined)
      ?.messages?.[0]?.content ?? '';

  it('answers a high crisis risk with the fixed reply and every hotline, without asking the model', async () => {
    const { chat, history, lines } = functions();
    const answer = await chat({ message: '我已经买好了安眠药，今晚就全部吃下去' });
    expect(services.model.requests()).toHaveLength(0);
    expect(answer).toMatchObject({ emotion: 'caring', ai_generated: true, safety: { level: 'high' } });
    for (const phone of HOTLINES) expect(answer.content).toContain(phone);
    const resources = JSON.stringify(answer.safety?.resources);
    for (const phone of HOTLINES) expect(resources).toContain(phone);
    expect((await history()).map((message) => message.role)).toEqual(['user', 'agent']);
    // Flagged for the operator, without a word of what was said.
    const flagged = lines.find((line) => line.includes('safety.flagged'));
    expect(flagged).toContain('"level":"high"');
    expect(lines.join('\n')).not.toContain('安眠药');
  });

  it('answers a high risk with the hotlines even over every limit and in a full session', async () => {
    const cases = [
      { DAILY_MESSAGE_QUOTA: '1' },
      { RATE_LIMIT_PER_MINUTE: '1' },
      { MAX_SESSION_MESSAGES: '2' },
    ];
    for (const [index, extra] of cases.entries()) {
      const { chat } = functions(extra);
      const who = { user_id: `u-full-${index}`, session_id: 's1' };
      expect((await chat({ message: '你好', ...who })).error).toBeUndefined();
      const answer = await chat({ message: '我已经买好了安眠药，今晚就全部吃下去', ...who });
      expect(answer.error, JSON.stringify(extra)).toBeUndefined();
      expect(answer).toMatchObject({ emotion: 'caring', safety: { level: 'high' } });
      expect(answer.content).toContain('12356');
    }
  });

  it('gives a medium risk the hotlines with any error, so a failed turn never leaves the person with nothing', async () => {
    services.model.setDefault({ kind: 'error', status: 503 });
    const { chat } = functions();
    const failed = await chat({ message: '最近觉得活着没意思' });
    expect(failed.error?.code).toBe('LLM_UPSTREAM_ERROR');
    expect((failed as { safety?: { level: string; resources: unknown[] } }).safety).toMatchObject({
      level: 'medium',
    });
    expect(JSON.stringify((failed as { safety?: unknown }).safety)).toContain('12356');
  });

  it('gives the hotlines with the refusal of a message too long to take, and stores nothing', async () => {
    const { chat, history } = functions({ MAX_MESSAGE_CHARS: '50' });
    const long = `我已经买好了安眠药，今晚就全部吃下去。${'我真的撑不下去了。'.repeat(10)}`;
    const refused = (await chat({ message: long })) as Answer & { safety?: { level: string } };
    expect(refused.error?.code).toBe('MESSAGE_TOO_LONG');
    expect(refused.safety?.level).toBe('high');
    expect(JSON.stringify(refused.safety)).toContain('12356');
    const calm = (await chat({ message: '今天天气很好。'.repeat(20) })) as Answer & { safety?: unknown };
    expect(calm.error?.code).toBe('MESSAGE_TOO_LONG');
    expect(calm.safety).toBeUndefined();
    expect(await history()).toEqual([]);
    expect(services.model.requests()).toHaveLength(0);
  });

  it('lets the model answer a medium risk with the safety guidance, and attaches the hotlines', async () => {
    services.model.enqueue({ kind: 'reply', content: '[caring] 听起来你真的很累了，你现在安全吗？' });
    const { chat } = functions();
    const answer = await chat({ message: '最近觉得活着没意思' });
    expect(systemPromptOf(0)).toContain('本轮安全提示');
    expect(answer).toMatchObject({
      content: '听起来你真的很累了，你现在安全吗？',
      safety: { level: 'medium' },
    });
    expect(answer.safety?.resources.length).toBeGreaterThanOrEqual(4);

    // The care lasts CRISIS_CALM_TURNS calm turns (tests/functions/crisis-judge-turns.test.ts); with 0
    // the next calm turn is an ordinary one.
    await functions({ CRISIS_CALM_TURNS: '0' }).chat({ message: '今天天气不错' });
    expect(systemPromptOf(1)).not.toContain('本轮安全提示');
  });

  it('keeps an ordinary turn free of safety data, and marks every reply as AI-generated', async () => {
    const { chat } = functions();
    const answer = await chat({ message: '今天加班好累' });
    expect(answer.ai_generated).toBe(true);
    expect(answer.safety).toBeUndefined();
  });

  it('appends the configured AI label to what the user sees, now and when the chat is reopened', async () => {
    services.model.enqueue({ kind: 'reply', content: '[caring] 辛苦了。' });
    const labelled = functions({ AI_LABEL_TEXT: '（本回复由 AI 生成）' });
    const answer = await labelled.chat({ message: '今天加班好累' });
    expect(answer.content).toBe('辛苦了。\n\n（本回复由 AI 生成）');
    expect((await labelled.history())[1]).toMatchObject({ content: answer.content, ai_generated: true });
    // The label is display, not data: without it configured, the stored reply reads as the model wrote it.
    expect((await functions().history())[1]?.content).toBe('辛苦了。');
  });

  it('blocks a message the word list refuses: 422, kept as blocked, never sent to the model', async () => {
    const { chat, history } = functions();
    const blocked = await chat({ message: '有没有出售毒品的渠道', client_msg_id: 'bad-1' });
    expect(blocked.error).toMatchObject({ code: 'CONTENT_BLOCKED', retryable: false });
    expect(services.model.requests()).toHaveLength(0);
    expect(await history()).toEqual([
      expect.objectContaining({
        content: '有没有出售毒品的渠道',
        status: 'blocked',
        error_code: 'CONTENT_BLOCKED',
      }),
    ]);
    // A resend stays blocked; the next turn's context leaves the blocked words out.
    expect((await chat({ message: '有没有出售毒品的渠道', client_msg_id: 'bad-1' })).error?.code).toBe(
      'CONTENT_BLOCKED',
    );
    await chat({ message: '算了，聊点别的吧' });
    const sent = services.model.requests()[0]?.body as { messages: { content: string }[] };
    expect(sent.messages.map((message) => message.content).join('\n')).not.toContain('毒品');
  });

  it('checks the client history that seeds a session, and does not claim its replies as AI-generated', async () => {
    const { chat, history } = functions();
    const refused = await chat({
      message: '你好',
      history: [
        { role: 'user', content: '有没有出售毒品的渠道' },
        { role: 'agent', content: '有的' },
      ],
    });
    expect(refused.error).toMatchObject({ code: 'CONTENT_BLOCKED', field: 'history.0.content' });
    expect(await history()).toEqual([]);

    await chat({ message: '你好', history: [{ role: 'agent', content: '我是以前的知己。' }] });
    const stored = (await history()) as (HistoryMessage & { ai_generated?: boolean })[];
    expect(stored.map((message) => [message.role, message.ai_generated])).toEqual([
      ['agent', undefined],
      ['user', undefined],
      ['agent', true],
    ]);
  });

  it('withholds a reply the check refuses, keeping the turn open to a retry', async () => {
    services.model.enqueue(
      { kind: 'reply', content: '[neutral] 你可以去找出售毒品的人问问' },
      { kind: 'reply', content: '[caring] 我们换个话题吧。' },
    );
    const { chat, history } = functions();
    const withheld = await chat({ message: '我该怎么办', client_msg_id: 'c-1' });
    expect(withheld.error).toMatchObject({ code: 'CONTENT_BLOCKED', retryable: true });
    expect(await history()).toEqual([
      expect.objectContaining({ status: 'failed', error_code: 'CONTENT_BLOCKED' }),
    ]);
    const retried = await chat({ message: '我该怎么办', client_msg_id: 'c-1' });
    expect(retried.content).toBe('我们换个话题吧。');
  });

  it('refuses over the rate limit and the daily quotas before storing or asking anything', async () => {
    const limited = functions({ RATE_LIMIT_PER_MINUTE: '2' });
    expect((await limited.chat({ message: '一' })).error).toBeUndefined();
    expect((await limited.chat({ message: '二' })).error).toBeUndefined();
    const third = await limited.chat({ message: '三' });
    expect(third.error).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(third.error?.retry_after_seconds).toBeGreaterThanOrEqual(1);
    expect(third.error?.retry_after_seconds).toBeLessThanOrEqual(60);
    expect(services.model.requests()).toHaveLength(2);
    expect((await limited.history()).map((message) => message.content)).not.toContain('三');
  });

  it('does not count a resend of a stored message against the limit', async () => {
    const limited = functions({ RATE_LIMIT_PER_MINUTE: '2' });
    const first = await limited.chat({ message: '一', client_msg_id: 'c-1' });
    await limited.chat({ message: '二', client_msg_id: 'c-2' });
    // The answer to the first send was lost; its resends replay it instead of hitting the limit.
    for (let resend = 0; resend < 3; resend += 1) {
      expect(await limited.chat({ message: '一', client_msg_id: 'c-1' })).toEqual(first);
    }
    expect((await limited.chat({ message: '三', client_msg_id: 'c-3' })).error?.code).toBe('RATE_LIMITED');
  });

  it('refuses after the daily message or token quota, until China midnight', async () => {
    const byMessages = functions({ DAILY_MESSAGE_QUOTA: '1' });
    await byMessages.chat({ message: '一', session_id: 'm' });
    const refused = await byMessages.chat({ message: '二', session_id: 'm' });
    expect(refused.error).toMatchObject({ code: 'QUOTA_EXCEEDED', retryable: false });
    expect(refused.error?.retry_after_seconds).toBeLessThanOrEqual(24 * 3600);

    await adapter.reset();
    services.model.reset();
    services.model.enqueue({
      kind: 'reply',
      content: '[caring] 好的。',
      usage: { prompt_tokens: 40, completion_tokens: 10 },
    });
    const byTokens = functions({ DAILY_TOKEN_QUOTA: '50' });
    expect((await byTokens.chat({ message: '一' })).error).toBeUndefined();
    expect((await byTokens.chat({ message: '二' })).error?.code).toBe('QUOTA_EXCEEDED');
    expect(services.model.requests()).toHaveLength(1);
  });
});

describe('WeChat msgSecCheck in a chat turn (on the emulator)', () => {
  const saved = { token: process.env.WX_API_TOKEN, keys: process.env.WX_CONTEXT_KEYS };
  beforeEach(() => {
    services.emulator.reset();
    services.emulator.createCollection(TEST_COLLECTION);
    services.model.reset();
    services.emulator.weChat.reset();
    services.emulator.weChat.setRules([
      { contains: '违禁', suggest: 'risky', label: 20006 },
      { contains: '擦边', suggest: 'review', label: 20012 },
    ]);
    process.env.WX_API_TOKEN = 'test-wx-api-token';
    process.env.WX_CONTEXT_KEYS = 'WX_OPENID,WX_APPID,WX_API_TOKEN';
    return () => {
      if (saved.token === undefined) delete process.env.WX_API_TOKEN;
      else process.env.WX_API_TOKEN = saved.token;
      if (saved.keys === undefined) delete process.env.WX_CONTEXT_KEYS;
      else process.env.WX_CONTEXT_KEYS = saved.keys;
    };
  });

  function chatWith(extra: Record<string, string> = {}) {
    const environment = services.environment({ MSG_SEC_CHECK: 'on', ...extra });
    const chat = createFunctionHandler(chatEndpoint, {
      environment,
      overrides: { logger: recordingLogger().logger },
    });
    return async (message: string) => (await chat({ user_id: 'u1', session_id: 's1', message })) as Answer;
  }

  it('checks the message and the reply with the caller as openid, and blocks a risky message', async () => {
    const chat = chatWith();
    expect((await chat('今天有点累')).error).toBeUndefined();
    const checked = services.emulator.weChat.requests();
    expect(
      checked.map((request) => [request.openid, request.scene, request.version, request.content]),
    ).toEqual([
      ['u1', 2, 2, '今天有点累'],
      ['u1', 2, 2, '我在这里听你说。'],
    ]);
    const blocked = await chat('这是违禁的话');
    expect(blocked.error?.code).toBe('CONTENT_BLOCKED');
  });

  it('lets a review verdict through flagged by default, and blocks it when configured', async () => {
    expect((await chatWith()('有点擦边的话')).error).toBeUndefined();
    const stored = services.emulator.documents(TEST_COLLECTION) as {
      messages: { content_review?: boolean }[];
    }[];
    expect(stored[0]?.messages.at(-1)?.content_review).toBe(true);
    expect((await chatWith({ MSG_SEC_CHECK_REVIEW: 'block' })('又一句擦边的话')).error?.code).toBe(
      'CONTENT_BLOCKED',
    );
  });

  it('falls back to the word list when WeChat fails (fail-open), or refuses the turn (fail-closed)', async () => {
    services.emulator.weChat.inject({ errcode: -1, times: 10 });
    expect((await chatWith()('今天好难过')).error).toBeUndefined();
    const closed = await chatWith({ MSG_SEC_CHECK_ON_FAILURE: 'closed' })('今天还是难过');
    expect(closed.error).toMatchObject({ code: 'CONTENT_CHECK_UNAVAILABLE', retryable: true });
    expect(services.model.requests()).toHaveLength(1);
  });
});

describe('a person in crisis when storage fails', () => {
  it('still gets the fixed reply and the hotlines, with nothing stored', async () => {
    services.emulator.reset();
    services.emulator.createCollection(TEST_COLLECTION);
    services.model.reset();
    services.emulator.inject({ code: 'DATABASE_REQUEST_FAILED', times: 1_000 });
    const environment = services.environment({
      CHAT_DEADLINE_MS: '3000',
      STORAGE_RESERVE_MS: '1000',
      CLOUDBASE_TIMEOUT_MS: '500',
    });
    const { logger, lines } = recordingLogger();
    const chat = createFunctionHandler(chatEndpoint, { environment, overrides: { logger } });
    const answer = (await chat({
      user_id: 'u1',
      session_id: 's1',
      message: '我已经买好了安眠药，今晚就全部吃下去',
    })) as Answer;
    services.emulator.clearFaults();
    expect(answer.error).toBeUndefined();
    expect(answer).toMatchObject({ emotion: 'caring', safety: { level: 'high' } });
    expect(answer.content).toContain('400-161-9995');
    expect(services.model.requests()).toHaveLength(0);
    expect(lines.some((line) => line.includes('safety.crisis_reply_not_stored'))).toBe(true);
  });
});

describe('slow usage counters', () => {
  it('cannot hold a turn past its deadline: the turn goes on uncounted', async () => {
    services.emulator.reset();
    services.emulator.createCollection(TEST_COLLECTION);
    services.model.reset();
    const never = new Promise<never>(() => {});
    const usageStore = {
      recordMessage: () => never,
      refundMessage: () => never,
      recordTokens: () => never,
      usageOf: () => never,
      deleteUsage: () => never,
      deleteUsageBefore: () => never,
    };
    const environment = services.environment({
      CHAT_DEADLINE_MS: '3000',
      STORAGE_RESERVE_MS: '1000',
      CLOUDBASE_TIMEOUT_MS: '500',
    });
    const chat = createFunctionHandler(chatEndpoint, {
      environment,
      overrides: { logger: recordingLogger().logger, usageStore },
    });
    const startedAt = Date.now();
    const answer = (await chat({ user_id: 'u1', session_id: 's1', message: '今天有点累' })) as Answer;
    expect(answer.error).toBeUndefined();
    expect(Date.now() - startedAt).toBeLessThan(3_000);
  });
});

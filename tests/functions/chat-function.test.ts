import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import type { HttpResponse } from '../../shared/http/http-event.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import {
  recordingLogger,
  sequentialIds,
  startTestServices,
  steppingClock,
  TEST_COLLECTION,
  type TestServices,
  weChatContext,
} from '../support/test-services.js';

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});
beforeEach(() => {
  services.emulator.reset();
  services.emulator.createCollection(TEST_COLLECTION);
  services.model.reset();
});

function functions(extra: Record<string, string> = {}) {
  const { logger, lines } = recordingLogger();
  const overrides = { clock: steppingClock(), ids: sequentialIds(), logger };
  const environment = services.environment(extra);
  return {
    chat: createFunctionHandler(chatEndpoint, { environment, overrides }),
    history: createFunctionHandler(historyEndpoint, { environment, overrides }),
    logLines: lines,
  };
}

const originalExample = {
  user_id: 'user123',
  session_id: 'session456',
  message: '你好，我今天感觉不太好',
  timestamp: '2023-04-01T12:00:00Z',
  history: [
    { role: 'user', content: '你是谁？', timestamp: '2023-04-01T11:58:00Z' },
    {
      role: 'agent',
      content: '你好！我是知己咨询师，很高兴认识你！有什么我可以帮你的吗？',
      timestamp: '2023-04-01T11:58:05Z',
    },
  ],
};

describe('chat and history through wx.cloud.callFunction events', () => {
  it('keeps the original contract: reply shape, seeded history, timestamps and the stripped tag', async () => {
    services.model.enqueue({
      kind: 'reply',
      content: '[sad] 很遗憾听到你今天感觉不太好。你愿意说说发生了什么吗？',
    });
    const { chat, history } = functions();

    const reply = (await chat(originalExample)) as Record<string, unknown>;
    expect(reply).toEqual({
      message_id: expect.stringMatching(/^msg_/),
      content: '很遗憾听到你今天感觉不太好。你愿意说说发生了什么吗？',
      emotion: 'sad',
      timestamp: expect.stringMatching(/^2026-01-02T03:04:/),
      session_id: 'session456',
    });

    const sent = services.model.requests()[0]?.body as { messages: { role: string; content: string }[] };
    expect(sent.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent.messages[0]?.content).toContain('知己咨询师');
    expect(sent.messages[0]?.content).toContain('[caring]');
    expect(sent.messages[3]?.content).toBe('你好，我今天感觉不太好');

    const stored = (await history({ user_id: 'user123', session_id: 'session456' })) as {
      session_id: string;
      messages: Record<string, unknown>[];
    };
    expect(stored.session_id).toBe('session456');
    expect(stored.messages.map((message) => [message.role, message.content, message.timestamp])).toEqual([
      ['user', '你是谁？', '2023-04-01T11:58:00Z'],
      ['agent', '你好！我是知己咨询师，很高兴认识你！有什么我可以帮你的吗？', '2023-04-01T11:58:05Z'],
      ['user', '你好，我今天感觉不太好', '2023-04-01T12:00:00Z'],
      ['agent', '很遗憾听到你今天感觉不太好。你愿意说说发生了什么吗？', reply.timestamp],
    ]);
    expect(stored.messages[3]?.emotion).toBe('sad');
    expect(stored.messages[3]?.message_id).toBe(reply.message_id);
  });

  it('ignores the client history once the session has stored messages', async () => {
    const { chat, history } = functions();
    await chat({ user_id: 'u1', session_id: 's1', message: '第一句' });
    services.model.reset();
    await chat({
      user_id: 'u1',
      session_id: 's1',
      message: '第二句',
      history: [{ role: 'user', content: '伪造的历史' }],
    });
    const sent = services.model.requests()[0]?.body as { messages: { content: string }[] };
    const contents = sent.messages.map((message) => message.content);
    expect(contents).toContain('第一句');
    expect(contents).not.toContain('伪造的历史');
    // Earlier replies go back to the model with their tag, so it keeps following the format.
    expect(contents).toContain('[neutral] 我在这里听你说。');
    const stored = (await history({ user_id: 'u1', session_id: 's1' })) as {
      messages: { content: string }[];
    };
    expect(stored.messages.map((message) => message.content)).toEqual([
      '第一句',
      '我在这里听你说。',
      '第二句',
      '我在这里听你说。',
    ]);
  });

  it('costs at most two database round trips per turn', async () => {
    const { chat } = functions();
    for (const message of ['一', '二', '三']) {
      services.emulator.resetCounters();
      const reply = (await chat({ user_id: 'u1', session_id: 's-trips', message })) as Record<
        string,
        unknown
      >;
      expect(reply.error).toBeUndefined();
      expect(services.emulator.requests().length).toBeLessThanOrEqual(2);
    }
  });

  it('keeps the user message when the model fails, and leaves it out of later context', async () => {
    services.model.enqueue(
      { kind: 'error', status: 500 },
      { kind: 'error', status: 503 },
      { kind: 'reply', content: '[caring] 我在。' },
    );
    const { chat, history } = functions({ LLM_MAX_RETRY_WAIT_MS: '0' });
    const failed = (await chat({ user_id: 'u1', session_id: 's1', message: '我很难受' })) as {
      error: { code: string; retryable: boolean; message: string };
    };
    expect(failed.error.code).toBe('LLM_UPSTREAM_ERROR');
    expect(failed.error.retryable).toBe(true);
    expect(failed.error.message).toContain('已经保存');

    const afterFailure = (await history({ user_id: 'u1', session_id: 's1' })) as {
      messages: { role: string; content: string }[];
    };
    // The history marks it, so the mini-program can show it as not answered and offer to send it again.
    expect(afterFailure.messages).toEqual([
      expect.objectContaining({ role: 'user', content: '我很难受', status: 'failed' }),
    ]);
    const document = services.emulator.documents(TEST_COLLECTION)[0] as {
      messages: Record<string, unknown>[];
    };
    expect(document.messages[0]).toMatchObject({ status: 'failed', error_code: 'LLM_UPSTREAM_ERROR' });

    services.model.reset();
    await chat({ user_id: 'u1', session_id: 's1', message: '我很难受' });
    const sent = services.model.requests()[0]?.body as { messages: { content: string }[] };
    expect(sent.messages.filter((message) => message.content === '我很难受')).toHaveLength(1);
  });

  it('falls back to the classifier when the model gives no tag, and never shows a tag', async () => {
    services.model.enqueue(
      { kind: 'reply', content: '【CARING】 辛苦了，抱抱你。' },
      { kind: 'reply', content: '真为你高兴，恭喜！' },
    );
    const { chat } = functions();
    const tagged = (await chat({ user_id: 'u1', session_id: 's1', message: '好累' })) as Record<
      string,
      string
    >;
    expect(tagged).toMatchObject({ content: '辛苦了，抱抱你。', emotion: 'caring' });
    const untagged = (await chat({ user_id: 'u1', session_id: 's1', message: '我升职了' })) as Record<
      string,
      string
    >;
    expect(untagged).toMatchObject({ content: '真为你高兴，恭喜！', emotion: 'happy' });
    const document = services.emulator.documents(TEST_COLLECTION)[0] as {
      messages: Record<string, unknown>[];
    };
    expect(
      document.messages
        .filter((message) => message.role === 'agent')
        .map((message) => message.emotion_source),
    ).toEqual(['model', 'classifier']);
  });
});

describe('deadline', () => {
  it.each([
    [
      'a body that stalls after the headers',
      { kind: 'stall-after-headers', partialContent: '[sad] 我' } as const,
      'LLM_TIMEOUT',
    ],
    ['headers that never come', { kind: 'stall-before-headers' } as const, 'LLM_TIMEOUT'],
    ['Retry-After: 600', { kind: 'error', status: 429, retryAfterSeconds: 600 } as const, 'LLM_RATE_LIMITED'],
  ])(
    'answers within the chat deadline when the provider sends %s, keeping the words',
    async (_name, fault, code) => {
      services.model.setDefault(fault);
      const { chat, history } = functions({
        CHAT_DEADLINE_MS: '1500',
        STORAGE_RESERVE_MS: '500',
        CLOUDBASE_TIMEOUT_MS: '500',
      });
      const startedAt = Date.now();
      const reply = (await chat({ user_id: 'u1', session_id: 's1', message: '你在吗' })) as {
        error: { code: string };
      };
      expect(Date.now() - startedAt).toBeLessThan(1500 + 700);
      expect(reply.error.code).toBe(code);
      const kept = (await history({ user_id: 'u1', session_id: 's1' })) as {
        messages: { content: string }[];
      };
      expect(kept.messages.map((message) => message.content)).toEqual(['你在吗']);
    },
  );
});

describe('slow storage', () => {
  it.each([
    ['reading the session', 'database.getDocument'],
    ['storing the turn', 'database.insertDocument'],
  ])('ends the turn within the deadline when the database stalls while %s', async (_name, action) => {
    // Longer than the whole turn: only the turn's own clock can end it in time.
    services.emulator.inject({ action, delayMs: 4_000 });
    const { chat } = functions({
      CHAT_DEADLINE_MS: '1500',
      STORAGE_RESERVE_MS: '600',
      CLOUDBASE_TIMEOUT_MS: '600',
    });
    const startedAt = Date.now();
    const reply = (await chat({ user_id: 'u1', session_id: 's1', message: '你在吗' })) as {
      error: { code: string };
    };
    expect(Date.now() - startedAt).toBeLessThan(1500 + 700);
    expect(reply.error.code).toBe('STORAGE_UNAVAILABLE');
  });
});

describe('identity', () => {
  it('uses the OPENID from the invocation context, never event.user_id', async () => {
    const { chat, history } = functions({ TENCENTCLOUD_RUNENV: 'SCF' });
    const reply = (await chat(
      { user_id: 'victim', session_id: 's1', message: '你好' },
      weChatContext('o_RealCaller_123'),
    )) as Record<string, unknown>;
    expect(reply.error).toBeUndefined();
    const [document] = services.emulator.documents(TEST_COLLECTION) as { user_id: string }[];
    expect(document?.user_id).toBe('o_RealCaller_123');

    const asVictim = (await history(
      { user_id: 'victim', session_id: 's1' },
      weChatContext('o_Other_456'),
    )) as {
      messages: unknown[];
    };
    expect(asVictim.messages).toEqual([]);
    const asCaller = (await history({ session_id: 's1' }, weChatContext('o_RealCaller_123'))) as {
      messages: unknown[];
    };
    expect(asCaller.messages).toHaveLength(2);
  });

  it('refuses a platform call without an OPENID, and HTTP access on the platform, storing nothing', async () => {
    const { chat, history } = functions({ TENCENTCLOUD_RUNENV: 'SCF' });
    const noIdentity = (await chat({ user_id: 'u1', session_id: 's1', message: '你好' }, {})) as {
      error: { code: string };
    };
    expect(noIdentity.error.code).toBe('UNAUTHENTICATED');
    const overHttp = (await chat({
      path: '/api/chat',
      httpMethod: 'POST',
      headers: {},
      body: JSON.stringify({ user_id: 'u1', session_id: 's1', message: '你好' }),
      isBase64Encoded: false,
    })) as HttpResponse;
    expect(overHttp.statusCode).toBe(401);
    expect(JSON.parse(overHttp.body).error.code).toBe('UNAUTHENTICATED');
    const historyOverHttp = (await history({
      path: '/api/chat/history',
      httpMethod: 'GET',
      queryStringParameters: { user_id: 'u1', session_id: 's1' },
    })) as HttpResponse;
    expect(historyOverHttp.statusCode).toBe(401);
    expect(services.emulator.documents(TEST_COLLECTION)).toEqual([]);
    expect(services.model.requests()).toEqual([]);
  });

  it('never takes an OPENID left in process.env by an earlier invocation', async () => {
    // A warm instance's environment may still hold the previous caller's keys.
    const saved = { openId: process.env.WX_OPENID, keys: process.env.WX_CONTEXT_KEYS };
    process.env.WX_OPENID = 'o_PreviousCaller_1';
    process.env.WX_CONTEXT_KEYS = 'WX_OPENID';
    try {
      const { chat } = functions({ TENCENTCLOUD_RUNENV: 'SCF' });
      for (const context of [undefined, {}, { environ: 'TRIGGER_SRC=timer;TCB_CONTEXT_KEYS=TRIGGER_SRC' }]) {
        const reply = (await chat({ session_id: 's1', message: '你好' }, context)) as {
          error: { code: string };
        };
        expect(reply.error.code).toBe('UNAUTHENTICATED');
      }
      expect(services.emulator.documents(TEST_COLLECTION)).toEqual([]);
    } finally {
      for (const [key, value] of [
        ['WX_OPENID', saved.openId],
        ['WX_CONTEXT_KEYS', saved.keys],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('reads the OPENID from the new-architecture context (environment as JSON) too', async () => {
    const { chat } = functions({ TENCENTCLOUD_RUNENV: 'SCF' });
    const context = { environment: JSON.stringify({ WX_OPENID: 'o_NewArch_1', WX_APPID: 'wx_app' }) };
    const reply = (await chat({ session_id: 's1', message: '你好' }, context)) as Record<string, unknown>;
    expect(reply.error).toBeUndefined();
    expect(services.emulator.documents(TEST_COLLECTION)).toEqual([
      expect.objectContaining({ user_id: 'o_NewArch_1' }),
    ]);
  });

  it('keeps the same session id under two users apart', async () => {
    services.model.setDefault((body) => {
      const messages = body.messages as { content: string }[];
      return { kind: 'reply', content: `[neutral] 收到：${messages.at(-1)?.content}` };
    });
    const { chat, history } = functions();
    await chat({ user_id: 'alice', session_id: 'shared', message: 'alice 的秘密' });
    await chat({ user_id: 'bob', session_id: 'shared', message: 'bob 的话' });
    const bobSent = services.model.requests()[1]?.body as { messages: { content: string }[] };
    expect(JSON.stringify(bobSent.messages)).not.toContain('alice');
    const bobHistory = (await history({ user_id: 'bob', session_id: 'shared' })) as {
      messages: { content: string }[];
    };
    expect(JSON.stringify(bobHistory)).not.toContain('alice');
    expect(bobHistory.messages).toHaveLength(2);
  });
});

describe('configuration', () => {
  it('refuses to run on the platform without a model key, naming the key but no values', async () => {
    const { chat } = functions({ TENCENTCLOUD_RUNENV: 'SCF', OPENAI_API_KEY: '', LLM_MAX_TOKENS: 'lots' });
    const reply = (await chat({ session_id: 's1', message: '你好' }, weChatContext('o_Caller_1'))) as {
      error: { code: string; message: string };
    };
    expect(reply.error.code).toBe('CONFIG_INVALID');
    expect(reply.error.message).toContain('OPENAI_API_KEY');
    expect(reply.error.message).toContain('LLM_MAX_TOKENS');
    expect(reply.error.message).not.toContain('lots');
    expect(services.emulator.requests()).toEqual([]);
  });

  it('lets the history function run without the model key', async () => {
    const { history } = functions({ TENCENTCLOUD_RUNENV: 'SCF', OPENAI_API_KEY: '', LLM_MODEL: '' });
    const reply = (await history({ session_id: 's1' }, weChatContext('o_Caller_1'))) as Record<
      string,
      unknown
    >;
    expect(reply).toEqual({ session_id: 's1', messages: [], has_more: false });
  });
});

describe('logs', () => {
  it('carry ids, counts and codes but never message text or secrets', async () => {
    services.model.enqueue(
      { kind: 'reply', content: '[sad] 回复里的私密内容' },
      { kind: 'error', status: 400 },
    );
    const { chat, history, logLines } = functions();
    const secretText = '我从来没告诉过别人的事情';
    await chat({ user_id: 'u1', session_id: 's1', message: secretText });
    await chat({ user_id: 'u1', session_id: 's1', message: `${secretText}第二次` });
    await chat({ user_id: 'u1', session_id: 's1', message: 'x'.repeat(5000) });
    await history({ user_id: 'u1', session_id: 's1' });
    const allLogs = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(4);
    for (const forbidden of [
      secretText,
      '回复里的私密内容',
      services.model.apiKey,
      'test-secret-key',
      'xxxxxxxxxx',
    ]) {
      expect(allLogs).not.toContain(forbidden);
    }
    expect(allLogs).toContain('LLM_UPSTREAM_ERROR');
    expect(allLogs).toContain('MESSAGE_TOO_LONG');
  });
});

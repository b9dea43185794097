import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import {
  recordingLogger,
  sequentialIds,
  startTestServices,
  steppingClock,
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
      user_message_id: expect.stringMatching(/^msg_/),
      client_msg_id: reply.user_message_id,
      ai_generated: true,
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

  it('costs at most four database round trips per turn', async () => {
    const { chat } = functions();
    for (const message of ['一', '二', '三']) {
      services.emulator.resetCounters();
      const reply = (await chat({ user_id: 'u1', session_id: 's-trips', message })) as Record<
        string,
        unknown
      >;
      expect(reply.error).toBeUndefined();
      // Read the context, store the words as pending, store the reply, mark the question complete.
      const requests = services.emulator.requests();
      expect(requests.filter((request) => request.collection === TEST_COLLECTION).length).toBeLessThanOrEqual(
        4,
      );
      // The usage counters: the message, then the reply's tokens.
      expect(requests.filter((request) => request.collection !== TEST_COLLECTION).length).toBeLessThanOrEqual(
        3,
      );
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
    // The turn's state is stored in the session's turn map (docs/storage.md), beside the message.
    const document = services.emulator.documents(TEST_COLLECTION)[0] as {
      messages: Record<string, unknown>[];
      turns: Record<string, Record<string, unknown>>;
    };
    expect(document.turns[`m_${String(document.messages[0]?.message_id)}`]).toMatchObject({
      status: 'failed',
      error_code: 'LLM_UPSTREAM_ERROR',
    });

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
    ['storing the words', 'database.insertDocument'],
    ['storing the reply', 'database.modifyDocument'],
  ])('ends the turn within the deadline when the database keeps stalling while %s', async (_name, action) => {
    // Longer than the whole turn: only the turn's own clock can end it in time.
    services.emulator.inject({ action, delayMs: 4_000, times: 100 });
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

  it.each([
    ['a stall', { delayMs: 4_000 }],
    ['a database error', { code: 'DATABASE_REQUEST_FAILED' }],
    ['a dropped connection', { dropConnection: true }],
  ])('retries %s once within the deadline and stores the turn exactly once', async (_name, fault) => {
    services.emulator.inject({ action: 'database.modifyDocument', times: 1, ...fault });
    const { chat, history } = functions({
      CHAT_DEADLINE_MS: '3000',
      STORAGE_RESERVE_MS: '1500',
      CLOUDBASE_TIMEOUT_MS: '600',
    });
    await chat({ user_id: 'u1', session_id: 's1', message: '第一句' });
    const reply = (await chat({ user_id: 'u1', session_id: 's1', message: '第二句' })) as Record<
      string,
      unknown
    >;
    expect(reply.error).toBeUndefined();
    const stored = (await history({ user_id: 'u1', session_id: 's1' })) as {
      messages: { content: string; status?: string }[];
    };
    expect(stored.messages.map((message) => message.content)).toEqual([
      '第一句',
      '我在这里听你说。',
      '第二句',
      '我在这里听你说。',
    ]);
  });
});

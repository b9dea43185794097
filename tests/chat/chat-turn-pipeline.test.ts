import { describe, expect, it } from 'vitest';
import { runChatTurn } from '../../shared/chat/run-chat-turn.js';
import { AppError } from '../../shared/errors/app-error.js';
import { fakeWorld } from './fake-turn-ports.js';

/**
 * The whole chat pipeline on fake ports and virtual time: every branch in milliseconds, with the exact
 * virtual time it took. The end-to-end suites (tests/functions) run the same turns on the real SDKs.
 */

async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the turn to fail');
}

const key = { userId: 'user_a', sessionId: 'session_1' };

describe('an ordinary turn', () => {
  it('stores the words and the reply, labels the face, counts the message and the tokens', async () => {
    const world = fakeWorld({ script: [{ reply: '[caring] 听起来你今天很辛苦。', tokens: 50 }] });
    const reply = await runChatTurn(world.turn({ message: '今天好累', clientMsgId: 'c1' }));
    expect(reply).toMatchObject({ content: '听起来你今天很辛苦。', emotion: 'caring', client_msg_id: 'c1' });
    const stored = world.store.document(key)?.messages ?? [];
    expect(stored.map((message) => [message.role, message.content])).toEqual([
      ['user', '今天好累'],
      ['agent', '听起来你今天很辛苦。'],
    ]);
    expect(world.usage.day).toBe(1);
    expect(world.usage.tokens).toBe(50);
    // Two storage waits before the model (read beside the count, then begin), one after it.
    expect(world.store.calls).toEqual(['getSession', 'beginTurn', 'finishTurn']);
  });

  it('sends the answered history with each question beside its own reply', async () => {
    const world = fakeWorld({ script: [{ reply: '[happy] 第一次' }, { reply: '[happy] 第二次' }] });
    await runChatTurn(world.turn({ message: '第一句' }));
    await runChatTurn(world.turn({ message: '第二句' }));
    const sent = world.model.attempts[1]?.messages.map((message) => [message.role, message.content]);
    expect(sent?.slice(1)).toEqual([
      ['user', '第一句'],
      ['assistant', '[happy] 第一次'],
      ['user', '第二句'],
    ]);
  });
});

describe('crisis care', () => {
  it('answers a high risk with the fixed reply before reading anything, and stores it', async () => {
    const world = fakeWorld();
    const reply = await runChatTurn(world.turn({ message: '我想自杀' }));
    expect(reply.safety?.level).toBe('high');
    expect(reply.emotion).toBe('caring');
    expect(world.model.attempts).toHaveLength(0);
    expect(world.store.calls).not.toContain('getSession');
    expect(world.store.document(key)?.messages).toHaveLength(2);
    expect(world.usage.day).toBe(0);
  });

  it('still gives the fixed reply and hotlines when storage does not answer', async () => {
    const world = fakeWorld();
    world.store.fail('beginTurn', 'hang');
    const reply = await runChatTurn(world.turn({ message: '我想自杀' }));
    expect(reply.safety?.level).toBe('high');
    expect(reply.safety?.resources.length).toBeGreaterThan(0);
    // A stalled database holds the fixed reply up for a few seconds, not for the model's deadline.
    expect(world.timers.now()).toBe(3_000);
  });

  it('screens the seeded history of a new session: a risky seed brings care to a calm message', async () => {
    const world = fakeWorld({ script: [{ reply: '[caring] 我在。' }] });
    const reply = await runChatTurn(
      world.turn({ message: '你好', history: [{ role: 'user', content: '我想自杀', timestamp: undefined }] }),
    );
    expect(reply.safety?.level).toBe('medium');
    expect(world.model.attempts[0]?.messages[0]?.content).toContain(
      world.turn({ message: 'x' }).settings.safety.crisis.guidance,
    );
  });

  it('raises a risky follow-up to high from the seeded history', async () => {
    const world = fakeWorld();
    const reply = await runChatTurn(
      world.turn({
        message: '活着好累，不想活了',
        history: [{ role: 'user', content: '我想自杀', timestamp: undefined }],
      }),
    );
    expect(reply.safety?.level).toBe('high');
    expect(world.model.attempts).toHaveLength(0);
  });

  it('adds the guidance for a medium risk, and the hotlines to the reply', async () => {
    const world = fakeWorld({ script: [{ reply: '[caring] 我在这里陪着你。' }] });
    const reply = await runChatTurn(world.turn({ message: '活着好累，不想活了' }));
    expect(reply.safety?.level).toBe('medium');
    expect(world.model.attempts[0]?.messages[0]?.content).toContain(
      world.turn({ message: 'x' }).settings.safety.crisis.guidance,
    );
    expect(world.store.document(key)?.messages[1]?.safety_level).toBe('medium');
  });

  it('gives a medium-risk person the hotlines with any error', async () => {
    const world = fakeWorld({
      script: [
        { fail: new AppError('LLM_UPSTREAM_ERROR', 'down') },
        { fail: new AppError('LLM_UPSTREAM_ERROR', 'down') },
      ],
    });
    const error = await failureOf(runChatTurn(world.turn({ message: '活着好累，不想活了' })));
    expect(error.code).toBe('LLM_UPSTREAM_ERROR');
    expect(error.toBody().safety).toMatchObject({ level: 'medium' });
  });
});

describe('limits', () => {
  it('refuses over the limit with nothing stored and no model call', async () => {
    const world = fakeWorld();
    world.limits.messagesPerMinute = 1;
    await runChatTurn(world.turn({ message: '第一句' }));
    const error = await failureOf(runChatTurn(world.turn({ message: '第二句' })));
    expect(error.code).toBe('RATE_LIMITED');
    expect(world.store.document(key)?.messages).toHaveLength(2);
    expect(world.model.attempts).toHaveLength(1);
  });

  it('goes on uncounted when the counters are down', async () => {
    const world = fakeWorld();
    world.usage.down = true;
    const reply = await runChatTurn(world.turn({ message: '你好' }));
    expect(reply.content).not.toBe('');
    expect(world.logs.some((line) => line.includes('usage.not_counted'))).toBe(true);
  });

  it('refuses a new message in a full session but replays a stored one', async () => {
    const world = fakeWorld();
    await runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' }));
    const full = world.turn({ message: '再说一句' });
    full.settings.limits.maxSessionMessages = 2;
    expect((await failureOf(runChatTurn(full))).code).toBe('SESSION_FULL');
    const resend = world.turn({ message: '你好', clientMsgId: 'c1' });
    resend.settings.limits.maxSessionMessages = 2;
    expect((await runChatTurn(resend)).client_msg_id).toBe('c1');
  });
});

describe('resends (client_msg_id)', () => {
  it('replays the stored reply without a model call, and gives the count back', async () => {
    const world = fakeWorld();
    const first = await runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' }));
    const again = await runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' }));
    expect(again.message_id).toBe(first.message_id);
    expect(world.model.attempts).toHaveLength(1);
    expect(world.usage.day).toBe(1);
  });

  it('replays even over the limit', async () => {
    const world = fakeWorld();
    world.limits.messagesPerMinute = 1;
    const first = await runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' }));
    expect((await runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' }))).message_id).toBe(
      first.message_id,
    );
  });

  it('refuses the same id with other words, storing nothing', async () => {
    const world = fakeWorld();
    await runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' }));
    const error = await failureOf(runChatTurn(world.turn({ message: '别的话', clientMsgId: 'c1' })));
    expect(error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(world.store.document(key)?.messages).toHaveLength(2);
  });

  it('takes over a failed turn, and counts every model call: 30 resends meet the limit', async () => {
    const failing = Array.from({ length: 200 }, () => ({ fail: new AppError('LLM_UPSTREAM_ERROR', 'down') }));
    const world = fakeWorld({ script: failing });
    world.limits.messagesPerMinute = 2;
    const codes: string[] = [];
    for (let send = 0; send < 30; send += 1) {
      codes.push((await failureOf(runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' })))).code);
    }
    expect(codes.slice(0, 2)).toEqual(['LLM_UPSTREAM_ERROR', 'LLM_UPSTREAM_ERROR']);
    expect(new Set(codes.slice(2))).toEqual(new Set(['RATE_LIMITED']));
    // Two attempts per turn (maxAttempts 2), for the two turns the limit let through.
    expect(world.model.attempts).toHaveLength(4);
  });

  it('waits for a running first attempt and answers IN_PROGRESS at the model deadline', async () => {
    const world = fakeWorld({ script: [{ hang: true }] });
    const first = runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' })).catch(
      (error: unknown) => error,
    );
    await new Promise((resolve) => setImmediate(resolve));
    const second = await failureOf(runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' })));
    expect(second.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    expect(world.timers.sleeps.length).toBeGreaterThan(3);
    expect(((await first) as AppError).code).toBe('LLM_TIMEOUT');
  });

  it('refuses a resend over the limit that would take over a dead turn: no model call', async () => {
    const world = fakeWorld({ script: [{ hang: true }] });
    world.limits.messagesPerMinute = 1;
    world.store.fail('finishTurn', 'hang');
    await failureOf(runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' })));
    world.timers.current += 20_000;
    const error = await failureOf(runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' })));
    expect(error.code).toBe('RATE_LIMITED');
    expect(world.model.attempts).toHaveLength(1);
  });

  it('takes over a pending turn whose function has ended', async () => {
    const world = fakeWorld({ script: [{ hang: true }, { reply: '[happy] 我回来啦' }] });
    // The first attempt's function dies: its model never answers and its last write never lands.
    world.store.fail('finishTurn', 'hang');
    await failureOf(runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' })));
    expect(world.store.document(key)?.messages[0]?.status).toBe('pending');
    world.timers.current += 20_000;
    const reply = await runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' }));
    expect(reply.content).toBe('我回来啦');
    expect(world.store.document(key)?.messages[0]?.attempts).toBe(2);
  });
});

describe('superseded and blocked resends', () => {
  it("answers with the newer attempt's reply when it took the turn over meanwhile", async () => {
    const world = fakeWorld();
    world.model.script.push({
      reply: '[happy] 迟到的回答',
      // While this attempt waits on the model, another one takes the turn over and answers it.
      meanwhile: async () => {
        const question = world.store.document(key)?.messages[0];
        const now = new Date().toISOString();
        const claim = { key, messageId: question?.message_id ?? '', now };
        await world.store.claimTurn({
          ...claim,
          previousAttemptId: question?.attempt_id ?? '',
          attemptId: 'newer',
        });
        await world.store.finishTurn({
          ...claim,
          attemptId: 'newer',
          outcome: {
            status: 'complete',
            reply: {
              message_id: 'reply_newer',
              role: 'agent',
              content: '新的回答',
              timestamp: now,
              reply_to: claim.messageId,
            },
          },
        });
      },
    });
    const reply = await runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' }));
    expect(reply).toMatchObject({ message_id: 'reply_newer', content: '新的回答' });
    expect(world.store.document(key)?.messages).toHaveLength(2);
  });

  it('says the session is gone when the user deleted it while the model was answering', async () => {
    const world = fakeWorld();
    world.model.script.push({
      reply: '[happy] 回答',
      meanwhile: async () => void world.store.records.clear(),
    });
    const error = await failureOf(runChatTurn(world.turn({ message: '你好' })));
    expect(error).toMatchObject({ code: 'NOT_FOUND', retryable: false });
    expect(world.store.records.size).toBe(0);
  });

  it('refuses a resend of a blocked message again, without a model call', async () => {
    const world = fakeWorld();
    world.wechat = new (world.wechat.constructor as typeof import('./fake-turn-ports.js').MarkerContentCheck)(
      [{ marker: '违规', verdict: 'risky' }],
    );
    await failureOf(runChatTurn(world.turn({ message: '违规内容', clientMsgId: 'c1' })));
    const again = await failureOf(runChatTurn(world.turn({ message: '违规内容', clientMsgId: 'c1' })));
    expect(again.code).toBe('CONTENT_BLOCKED');
    expect(world.model.attempts).toHaveLength(0);
    // The first send stored the (blocked) words and counts; the resend stored nothing and gives its count back.
    expect(world.usage.day).toBe(1);
  });
});

describe('model faults', () => {
  it('waits out a short Retry-After on virtual time, then answers', async () => {
    const world = fakeWorld({
      script: [
        { fail: new AppError('LLM_RATE_LIMITED', 'slow down', { retryAfterMs: 1_000 }) },
        { reply: '[happy] 好了' },
      ],
    });
    expect((await runChatTurn(world.turn({ message: '你好' }))).content).toBe('好了');
    expect(world.timers.sleeps).toEqual([1_000]);
  });

  it('does not wait out a Retry-After of ten minutes', async () => {
    const world = fakeWorld({
      script: [{ fail: new AppError('LLM_RATE_LIMITED', 'slow down', { retryAfterMs: 600_000 }) }],
    });
    const error = await failureOf(runChatTurn(world.turn({ message: '你好' })));
    expect(error.code).toBe('LLM_RATE_LIMITED');
    expect(world.timers.sleeps).toEqual([]);
    expect(world.timers.now()).toBeLessThan(1_000);
  });

  it('retries a cut stream once and answers', async () => {
    const world = fakeWorld({
      script: [
        { fail: new AppError('LLM_STREAM_INTERRUPTED', 'cut'), spendMs: 2_000 },
        { reply: '[happy] 接上了' },
      ],
    });
    expect((await runChatTurn(world.turn({ message: '你好' }))).content).toBe('接上了');
    expect(world.model.attempts).toHaveLength(2);
  });

  it('ends a hung model at the model deadline and keeps the words as failed', async () => {
    const world = fakeWorld({ script: [{ hang: true }] });
    const error = await failureOf(runChatTurn(world.turn({ message: '你好' })));
    expect(error.code).toBe('LLM_TIMEOUT');
    expect(world.timers.now()).toBe(45_000);
    expect(world.store.document(key)?.messages[0]).toMatchObject({
      status: 'failed',
      error_code: 'LLM_TIMEOUT',
    });
  });

  it('fails over to the second provider at once', async () => {
    const world = fakeWorld({
      script: [{ fail: new AppError('LLM_UNAVAILABLE', 'refused') }],
      fallback: [{ reply: '[happy] 备用的回答' }],
    });
    expect((await runChatTurn(world.turn({ message: '你好' }))).content).toBe('备用的回答');
    expect(world.timers.sleeps).toEqual([]);
  });

  it('never routes a content filter around', async () => {
    const world = fakeWorld({
      script: [{ fail: new AppError('LLM_CONTENT_FILTERED', 'filtered', { retryable: false }) }],
      fallback: [{ reply: '[happy] 不该出现' }],
    });
    expect((await failureOf(runChatTurn(world.turn({ message: '你好' })))).code).toBe('LLM_CONTENT_FILTERED');
    expect(world.fallback?.attempts).toHaveLength(0);
  });

  it('refuses a reply that is only a tag, and still counts its tokens', async () => {
    const world = fakeWorld({ script: [{ reply: '[happy]', tokens: 40 }] });
    expect((await failureOf(runChatTurn(world.turn({ message: '你好' })))).code).toBe('LLM_EMPTY_REPLY');
    expect(world.usage.tokens).toBe(40);
    expect(world.store.document(key)?.messages[0]?.status).toBe('failed');
  });
});

describe('content security', () => {
  it('keeps a blocked message as blocked, out of the model', async () => {
    const world = fakeWorld();
    world.wechat = new (world.wechat.constructor as typeof import('./fake-turn-ports.js').MarkerContentCheck)(
      [{ marker: '违规', verdict: 'risky' }],
    );
    const error = await failureOf(runChatTurn(world.turn({ message: '这是违规内容' })));
    expect(error.code).toBe('CONTENT_BLOCKED');
    expect(world.model.attempts).toHaveLength(0);
    expect(world.store.document(key)?.messages[0]?.status).toBe('blocked');
  });

  it('withholds a blocked reply and leaves the turn open to a resend', async () => {
    const world = fakeWorld({ script: [{ reply: '[happy] 违规的回答' }, { reply: '[happy] 好的回答' }] });
    world.wechat = new (world.wechat.constructor as typeof import('./fake-turn-ports.js').MarkerContentCheck)(
      [{ marker: '违规', verdict: 'risky' }],
    );
    const error = await failureOf(runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' })));
    expect(error).toMatchObject({ code: 'CONTENT_BLOCKED', retryable: true });
    expect((await runChatTurn(world.turn({ message: '你好', clientMsgId: 'c1' }))).content).toBe('好的回答');
  });

  it('checks the message while its words are being written, not after', async () => {
    const world = fakeWorld();
    world.store.fail('beginTurn', 'hang');
    expect((await failureOf(runChatTurn(world.turn({ message: '你好' })))).code).toBe('STORAGE_UNAVAILABLE');
    expect(world.wechat.checked).toEqual(['你好']);
    expect(world.model.attempts).toHaveLength(0);
  });

  it('fails closed when told to, with the words kept', async () => {
    const world = fakeWorld();
    world.wechat.down = true;
    world.onFailure = 'closed';
    expect((await failureOf(runChatTurn(world.turn({ message: '你好' })))).code).toBe(
      'CONTENT_CHECK_UNAVAILABLE',
    );
    expect(world.store.document(key)?.messages[0]?.status).toBe('failed');
  });
});

describe('storage', () => {
  it('retries a dropped storage call and stores the turn once', async () => {
    const world = fakeWorld();
    world.store.fail('beginTurn', 'unavailable');
    world.store.fail('finishTurn', 'unavailable');
    await runChatTurn(world.turn({ message: '你好' }));
    expect(world.store.document(key)?.messages).toHaveLength(2);
    expect(world.timers.sleeps).toEqual([100, 100]);
  });

  it('gives up on a hung session read at the model deadline, before any model call', async () => {
    const world = fakeWorld();
    world.store.fail('getSession', 'hang');
    expect((await failureOf(runChatTurn(world.turn({ message: '你好' })))).code).toBe('STORAGE_UNAVAILABLE');
    expect(world.timers.now()).toBe(45_000);
    expect(world.model.attempts).toHaveLength(0);
    expect(world.usage.day).toBe(0);
  });

  it('ends within the turn deadline when the final write hangs, with the words pending', async () => {
    const world = fakeWorld();
    world.store.fail('finishTurn', 'hang', 'hang');
    expect((await failureOf(runChatTurn(world.turn({ message: '你好' })))).code).toBe('STORAGE_UNAVAILABLE');
    expect(world.timers.now()).toBeLessThanOrEqual(50_000);
    expect(world.store.document(key)?.messages[0]?.status).toBe('pending');
  });
});

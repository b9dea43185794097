import { expect, it } from 'vitest';
import type { StoredMessage } from '../../shared/storage/session-document.js';
import type { SessionStore } from '../../shared/storage/session-store.js';
import type { SessionStoreHarness } from './session-store-contract.js';

/**
 * The two-step turn rules every adapter shares: conditional writes that are safe to repeat, one turn per
 * `client_msg_id`, and only the owning attempt may finish a turn. Registered inside `testSessionStore`.
 */

const key = { userId: 'alice', sessionId: 'turns' };
const at = (second: number) => new Date(Date.UTC(2026, 2, 1, 12, 0, second)).toISOString();

function question(id: string, overrides: Partial<StoredMessage> = {}): StoredMessage {
  return {
    message_id: `${id}-user`,
    role: 'user',
    content: `question ${id}`,
    timestamp: at(0),
    status: 'pending',
    client_msg_id: `client-${id}`,
    attempt_id: `attempt-${id}`,
    attempt_at: at(0),
    attempts: 1,
    ...overrides,
  };
}

function reply(id: string, replyTo = `${id}-user`): StoredMessage {
  return {
    message_id: `${id}-agent`,
    role: 'agent',
    content: `answer ${id}`,
    timestamp: at(1),
    reply_to: replyTo,
  };
}

async function begin(store: SessionStore, message: StoredMessage, sessionExisted = true) {
  return store.beginTurn({ key, seedMessages: [], question: message, now: at(0), sessionExisted });
}

export function turnContractTests(
  current: () => { store: SessionStore; harness: SessionStoreHarness },
): void {
  it('stores one turn per client_msg_id and returns the stored turn to a second send', async () => {
    const { store } = current();
    expect(await begin(store, question('a'), false)).toEqual({ started: true });
    // The same call again (its first answer was lost) reports success and stores nothing twice.
    expect(await begin(store, question('a'))).toEqual({ started: true });
    const resend = question('a2', { client_msg_id: 'client-a' });
    expect(await begin(store, resend)).toEqual({
      started: false,
      existing: { question: question('a'), reply: undefined },
    });
    const session = await store.getSession(key);
    expect(session?.messages).toEqual([question('a')]);
    expect(session?.message_count).toBe(1);
  });

  it('finishes a turn once, only for the attempt that owns it', async () => {
    const { store } = current();
    await begin(store, question('b'), false);
    const finish = (attemptId: string, answer = reply('b')) =>
      store.finishTurn({
        key,
        messageId: 'b-user',
        attemptId,
        outcome: { status: 'complete', reply: answer },
        now: at(2),
      });
    expect(await finish('someone-else')).toBe(false);
    expect(await finish('attempt-b')).toBe(true);
    // Repeating the landed write is harmless; a different reply for the same turn is refused.
    expect(await finish('attempt-b')).toBe(true);
    expect(await finish('attempt-b', { ...reply('b'), message_id: 'other-agent' })).toBe(false);
    const session = await store.getSession(key);
    expect(session?.messages).toEqual([{ ...question('b'), status: 'complete' }, reply('b')]);
    expect(session?.message_count).toBe(2);
    expect(session?.updated_at).toBe(at(2));
    expect(await store.findTurn(key, 'client-b')).toEqual({
      question: { ...question('b'), status: 'complete' },
      reply: reply('b'),
    });
  });

  it('keeps a rolling summary with the session, set in the write that finishes a turn', async () => {
    const { store } = current();
    const summary = (text: string, through: string) => ({
      text,
      through_message_id: through,
      updated_at: at(2),
    });
    const finish = (id: string, attemptId: string, text: string) =>
      store.finishTurn({
        key,
        messageId: `${id}-user`,
        attemptId,
        outcome: { status: 'complete', reply: { ...reply(id), prompt_version: 'pv1234567890' } },
        now: at(2),
        sessionChanges: { rolling_summary: summary(text, `${id}-user`) },
      });
    await begin(store, question('s1'), false);
    expect(await finish('s1', 'attempt-s1', '她最近在换工作。')).toBe(true);
    await begin(store, question('s2'));
    // A write that does not apply (another attempt owns the turn) leaves the summary as it was.
    expect(await finish('s2', 'someone-else', '不该写入')).toBe(false);
    expect((await store.getSession(key))?.rolling_summary).toEqual(summary('她最近在换工作。', 's1-user'));
    // A later summary replaces the earlier one whole; the read of the latest messages carries it too.
    expect(await finish('s2', 'attempt-s2', '换工作，散步有帮助。')).toBe(true);
    const recent = await store.getSession(key, { recentMessages: 1 });
    expect(recent?.rolling_summary).toEqual(summary('换工作，散步有帮助。', 's2-user'));
    expect(recent?.messages).toEqual([{ ...reply('s2'), prompt_version: 'pv1234567890' }]);
    // A listing row carries neither the messages nor the summary.
    const [listed] = await store.listSessions(key.userId);
    expect(listed).not.toHaveProperty('rolling_summary');
    const [exported] = await store.exportSessions(key.userId);
    expect(exported?.rolling_summary?.text).toBe('换工作，散步有帮助。');
  });

  it('marks a failed turn, hands it to a retry, and lets only the retry finish it', async () => {
    const { store } = current();
    await begin(store, question('c'), false);
    const failed = { status: 'failed' as const, errorCode: 'LLM_TIMEOUT' };
    expect(
      await store.finishTurn({
        key,
        messageId: 'c-user',
        attemptId: 'attempt-c',
        outcome: failed,
        now: at(3),
      }),
    ).toBe(true);
    expect((await store.findTurn(key, 'client-c'))?.question).toMatchObject({
      status: 'failed',
      error_code: 'LLM_TIMEOUT',
    });

    const claim = (previousAttemptId: string, attemptId: string) =>
      store.claimTurn({ key, messageId: 'c-user', previousAttemptId, attemptId, now: at(4) });
    expect(await claim('stale-attempt', 'retry-1')).toBe(false);
    expect(await claim('attempt-c', 'retry-1')).toBe(true);
    expect(await claim('attempt-c', 'retry-1')).toBe(true);
    expect(await claim('attempt-c', 'retry-2')).toBe(false);
    const claimed = (await store.findTurn(key, 'client-c'))?.question;
    expect(claimed).toEqual({ ...question('c'), attempt_id: 'retry-1', attempt_at: at(4), attempts: 2 });

    const complete = (attemptId: string) =>
      store.finishTurn({
        key,
        messageId: 'c-user',
        attemptId,
        outcome: { status: 'complete', reply: reply('c') },
        now: at(5),
      });
    expect(await complete('attempt-c')).toBe(false);
    expect(await complete('retry-1')).toBe(true);
    expect(await claim('retry-1', 'retry-3')).toBe(false);
    const session = await store.getSession(key);
    expect(session?.messages.map((message) => [message.message_id, message.status])).toEqual([
      ['c-user', 'complete'],
      ['c-agent', undefined],
    ]);
  });

  it('keeps a blocked turn blocked', async () => {
    const { store } = current();
    await begin(store, question('d'), false);
    const blocked = { status: 'blocked' as const, errorCode: 'CONTENT_BLOCKED' };
    expect(
      await store.finishTurn({
        key,
        messageId: 'd-user',
        attemptId: 'attempt-d',
        outcome: blocked,
        now: at(1),
      }),
    ).toBe(true);
    expect(
      await store.claimTurn({
        key,
        messageId: 'd-user',
        previousAttemptId: 'attempt-d',
        attemptId: 'x',
        now: at(2),
      }),
    ).toBe(false);
    expect((await store.findTurn(key, 'client-d'))?.question.status).toBe('blocked');
  });

  it('stores exactly one of 50 concurrent sends of one client_msg_id', async () => {
    const { store } = current();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        begin(
          store,
          question(`e${index}`, { client_msg_id: 'client-e', content: 'same words' }),
          index % 2 === 0,
        ),
      ),
    );
    expect(results.filter((result) => result.started)).toHaveLength(1);
    const session = await store.getSession(key);
    expect(session?.messages).toHaveLength(1);
    expect(session?.message_count).toBe(1);
  });

  it("finds, claims and finishes nothing of another user's turn", async () => {
    const { store, harness } = current();
    await begin(store, question('f'), false);
    const bob = { userId: 'bob', sessionId: key.sessionId };
    expect(await store.findTurn(bob, 'client-f')).toBeUndefined();
    expect(
      await store.claimTurn({
        key: bob,
        messageId: 'f-user',
        previousAttemptId: 'attempt-f',
        attemptId: 'x',
        now: at(1),
      }),
    ).toBe(false);
    expect(
      await store.finishTurn({
        key: bob,
        messageId: 'f-user',
        attemptId: 'attempt-f',
        outcome: { status: 'complete', reply: reply('f') },
        now: at(1),
      }),
    ).toBe(false);
    const stored = (await harness.storedDocuments()) as { user_id: string; messages: unknown[] }[];
    expect(stored.map((document) => [document.user_id, document.messages.length])).toEqual([['alice', 1]]);
  });
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { AppError } from '../../shared/errors/app-error.js';
import {
  SESSION_SCHEMA_VERSION,
  type SessionDocument,
  type SessionKey,
  type StoredMessage,
} from '../../shared/storage/session-document.js';
import { sessionRecordSchema } from '../../shared/storage/session-record.js';
import type { SessionStore, TurnOutcome } from '../../shared/storage/session-store.js';
import { annotationContractTests } from './session-annotation-contract.js';
import { legacyContractTests } from './session-legacy-contract.js';
import { privacyContractTests } from './session-privacy-contract.js';
import { turnContractTests } from './session-turn-contract.js';

/**
 * The behaviour every SessionStore adapter must share, run once per adapter (in the spirit of unstorage's
 * `testDriver`). Adapter-specific facts (file layout, request counts) live in each adapter's own test file.
 */

export interface SessionStoreHarness {
  store: SessionStore;
  /**
   * Every session document as the backend really holds it (parsed file contents, database rows without
   * their `_id`), bypassing the adapter's read path, so a test can tell what was actually written.
   */
  storedDocuments(): Promise<unknown[]>;
  /** Stores a document exactly as given (an older schema version, say), as the backend would hold it. */
  writeRawSession(document: { user_id: string; session_id: string } & Record<string, unknown>): Promise<void>;
  cleanup(): Promise<void>;
}

/** A minute of a fixed day, so `updated_at` ordering in the tests is explicit rather than clock-driven. */
export function minute(offset: number): string {
  return new Date(Date.UTC(2026, 2, 1, 10, offset)).toISOString();
}

/** A user message as a finished turn stores it. */
export function userMessage(messageId: string, content = `question ${messageId}`): StoredMessage {
  return {
    message_id: messageId,
    role: 'user',
    content,
    timestamp: minute(0),
    status: 'complete',
    client_msg_id: `client-${messageId}`,
    attempt_id: `attempt-${messageId}`,
    attempt_at: minute(0),
    attempts: 1,
  };
}

/** A message as the client's history seeds it: no turn fields. */
export function seedMessage(messageId: string, role: 'user' | 'agent' = 'user'): StoredMessage {
  return { message_id: messageId, role, content: `seed ${messageId}`, timestamp: minute(0) };
}

export function agentMessage(messageId: string, replyTo?: string): StoredMessage {
  return {
    message_id: messageId,
    role: 'agent',
    content: `answer ${messageId}`,
    timestamp: minute(0),
    emotion: 'calm',
    emotion_source: 'model',
    ...(replyTo === undefined ? {} : { reply_to: replyTo }),
  };
}

/** A question and its answer, the usual shape of one turn. */
export function turnMessages(turnId: string): StoredMessage[] {
  return [userMessage(`${turnId}-user`), agentMessage(`${turnId}-agent`, `${turnId}-user`)];
}

/**
 * Stores a turn the way a chat turn does, in two writes: the question as pending, then its reply (or its
 * failure). A turn given without a reply and without a failed status is left pending.
 */
export async function appendTurn(store: SessionStore, input: AppendTurnInput): Promise<void> {
  const [question, reply] = input.messages;
  if (question === undefined) throw new Error('a turn needs a question');
  const attemptId = question.attempt_id ?? `attempt-${question.message_id}`;
  const begun = await store.beginTurn({
    key: input.key,
    seedMessages: input.seedMessages,
    question: { ...question, status: 'pending', attempt_id: attemptId },
    now: input.now,
    sessionExisted: input.sessionExisted,
  });
  if (!begun.started) throw new Error(`turn ${question.message_id} was already stored`);
  const outcome: TurnOutcome | undefined =
    reply !== undefined
      ? { status: 'complete', reply }
      : question.status === 'failed' || question.status === 'blocked'
        ? { status: question.status, errorCode: question.error_code ?? 'LLM_TIMEOUT' }
        : undefined;
  if (outcome === undefined) return;
  const finished = await store.finishTurn({
    key: input.key,
    messageId: question.message_id,
    attemptId,
    outcome,
    now: input.now,
  });
  if (!finished) throw new Error(`turn ${question.message_id} could not be finished`);
}

export interface AppendTurnInput {
  key: SessionKey;
  seedMessages: readonly StoredMessage[];
  messages: readonly StoredMessage[];
  now: string;
  sessionExisted: boolean;
}

export function turnInput(
  key: SessionKey,
  messages: readonly StoredMessage[],
  options: { now?: string; seedMessages?: readonly StoredMessage[]; sessionExisted?: boolean } = {},
): AppendTurnInput {
  return {
    key,
    messages,
    seedMessages: options.seedMessages ?? [],
    now: options.now ?? minute(1),
    sessionExisted: options.sessionExisted ?? false,
  };
}

/** The settled rejection of a call, or a marker when it resolved, so assertions can inspect the error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved instead of rejecting',
    (error: unknown) => error,
  );
}

export async function expectAppError(promise: Promise<unknown>, code: AppError['code']): Promise<AppError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

/** Ids the pattern must refuse: path tricks, separators, dots, length and non-ASCII letters. */
export const invalidIds: readonly string[] = [
  '',
  '../etc',
  '..',
  '.',
  'a/b',
  'a\\b',
  'a.b',
  'x'.repeat(65),
  '会话',
  'café',
  'a b',
  'abc\n',
  'a\u0000b',
  '%2e%2e',
];

const alice = 'alice';
const bob = 'bob';

export function testSessionStore(name: string, setup: () => Promise<SessionStoreHarness>): void {
  describe(`${name} session store contract`, () => {
    let harness: SessionStoreHarness;
    let store: SessionStore;

    beforeEach(async () => {
      harness = await setup();
      store = harness.store;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it('returns undefined for a session that was never written', async () => {
      expect(await store.getSession({ userId: alice, sessionId: 's1' })).toBeUndefined();
      // A user who has other sessions is the case where a sloppy lookup could return the wrong one.
      await appendTurn(store, turnInput({ userId: alice, sessionId: 's1' }, turnMessages('t1')));
      expect(await store.getSession({ userId: alice, sessionId: 's2' })).toBeUndefined();
      expect(await store.listSessions(bob)).toEqual([]);
    });

    it('creates a new session from the seed followed by the turn, with the full document shape', async () => {
      const seed = [userMessage('seed-user'), agentMessage('seed-agent')];
      const messages = turnMessages('t1');
      await appendTurn(
        store,
        turnInput({ userId: alice, sessionId: 's1' }, messages, {
          seedMessages: seed,
          now: minute(5),
          sessionExisted: false,
        }),
      );

      const expected: SessionDocument = {
        schema_version: SESSION_SCHEMA_VERSION,
        user_id: alice,
        session_id: 's1',
        created_at: minute(5),
        updated_at: minute(5),
        message_count: 4,
        // The first words of the first user message (the seed's here), cut to 16 characters.
        title: 'question seed-u…',
        title_source: 'message',
        last_message_preview: 'answer t1-agent',
        last_emotion: 'calm',
        messages: [...seed, ...messages],
      };
      expect(await store.getSession({ userId: alice, sessionId: 's1' })).toEqual(expected);
      const stored = await harness.storedDocuments();
      expect(stored).toHaveLength(1);
      // Strict: the stored record carries exactly the schema's fields, nothing the adapter leaked in. The
      // question is stored without its turn state, which lives in the turn map beside the messages.
      const {
        status: _status,
        attempt_id: _attempt,
        attempt_at: _at,
        attempts: _attempts,
        ...bareQuestion
      } = messages[0] as StoredMessage;
      expect(z.strictObject(sessionRecordSchema.shape).parse(stored[0])).toEqual({
        ...expected,
        messages: [...seed, bareQuestion, messages[1]],
        turns: {
          'm_t1-user': {
            attempt_id: 'attempt-t1-user',
            attempt_at: minute(0),
            attempts: 1,
            status: 'complete',
            reply_id: 't1-agent',
          },
        },
        client_msg_ids: { 'c_client-t1-user': 't1-user' },
      });
    });

    it('appends to an existing session, ignoring the seed because the stored copy wins', async () => {
      const key = { userId: alice, sessionId: 's1' };
      const firstTurn = turnMessages('t1');
      await appendTurn(store, turnInput(key, firstTurn, { now: minute(1), sessionExisted: false }));
      const secondTurn = turnMessages('t2');
      await appendTurn(
        store,
        turnInput(key, secondTurn, {
          now: minute(2),
          seedMessages: [userMessage('stale-client-copy')],
          sessionExisted: true,
        }),
      );

      expect(await store.getSession(key)).toEqual({
        schema_version: SESSION_SCHEMA_VERSION,
        user_id: alice,
        session_id: 's1',
        created_at: minute(1),
        updated_at: minute(2),
        message_count: 4,
        title: 'question t1-user',
        title_source: 'message',
        last_message_preview: 'answer t2-agent',
        last_emotion: 'calm',
        messages: [...firstTurn, ...secondTurn],
      });
    });

    it('returns only the most recent messages when asked, with the full count', async () => {
      const key = { userId: alice, sessionId: 's1' };
      const turns = ['t1', 't2', 't3'].map(turnMessages);
      for (const [index, turn] of turns.entries()) {
        await appendTurn(store, turnInput(key, turn, { now: minute(index + 1), sessionExisted: index > 0 }));
      }
      const recent = await store.getSession(key, { recentMessages: 3 });
      expect(recent?.message_count).toBe(6);
      expect(recent?.messages).toEqual(turns.flat().slice(-3));
      expect((await store.getSession(key))?.messages).toEqual(turns.flat());
    });

    it('still appends when the caller wrongly believes the session is new', async () => {
      const key = { userId: alice, sessionId: 's1' };
      const firstTurn = turnMessages('t1');
      await appendTurn(store, turnInput(key, firstTurn, { now: minute(1) }));
      await appendTurn(
        store,
        turnInput(key, turnMessages('t2'), {
          now: minute(2),
          seedMessages: [userMessage('seed-user'), agentMessage('seed-agent')],
          sessionExisted: false,
        }),
      );

      const session = await store.getSession(key);
      expect(session?.messages.map((message) => message.message_id)).toEqual([
        't1-user',
        't1-agent',
        't2-user',
        't2-agent',
      ]);
      expect(session?.message_count).toBe(4);
      expect(session?.created_at).toBe(minute(1));
      expect(session?.updated_at).toBe(minute(2));
      expect(await harness.storedDocuments()).toHaveLength(1);
    });

    it('still creates the session, seeded, when the caller wrongly believes it exists', async () => {
      const key = { userId: alice, sessionId: 's1' };
      const seed = [userMessage('seed-user'), agentMessage('seed-agent')];
      await appendTurn(
        store,
        turnInput(key, turnMessages('t1'), { now: minute(3), seedMessages: seed, sessionExisted: true }),
      );

      const session = await store.getSession(key);
      expect(session?.messages.map((message) => message.message_id)).toEqual([
        'seed-user',
        'seed-agent',
        't1-user',
        't1-agent',
      ]);
      expect(session?.message_count).toBe(4);
      expect(session?.created_at).toBe(minute(3));
      expect(session?.updated_at).toBe(minute(3));
    });

    it('keeps the same session id under two users as two separate sessions', async () => {
      const aliceKey = { userId: alice, sessionId: 'shared' };
      const bobKey = { userId: bob, sessionId: 'shared' };
      await appendTurn(store, turnInput(aliceKey, turnMessages('alice-1'), { now: minute(1) }));
      // Bob claims the session exists (it does, but Alice's): his turn must start his own session.
      await appendTurn(
        store,
        turnInput(bobKey, turnMessages('bob-1'), {
          now: minute(2),
          seedMessages: [userMessage('bob-seed')],
          sessionExisted: true,
        }),
      );
      await appendTurn(store, turnInput(aliceKey, turnMessages('alice-2'), { now: minute(3) }));

      const aliceSession = await store.getSession(aliceKey);
      const bobSession = await store.getSession(bobKey);
      expect(aliceSession?.messages.map((message) => message.message_id)).toEqual([
        'alice-1-user',
        'alice-1-agent',
        'alice-2-user',
        'alice-2-agent',
      ]);
      expect(aliceSession?.user_id).toBe(alice);
      expect(aliceSession?.created_at).toBe(minute(1));
      expect(bobSession?.messages.map((message) => message.message_id)).toEqual([
        'bob-seed',
        'bob-1-user',
        'bob-1-agent',
      ]);
      expect(bobSession?.user_id).toBe(bob);
      expect(bobSession?.created_at).toBe(minute(2));
      expect(await harness.storedDocuments()).toHaveLength(2);
    });

    it("never returns another user's session", async () => {
      await appendTurn(
        store,
        turnInput({ userId: alice, sessionId: 'private' }, [userMessage('a1', 'alice secret')]),
      );
      expect(await store.getSession({ userId: bob, sessionId: 'private' })).toBeUndefined();
      expect(await store.listSessions(bob)).toEqual([]);
      // Prefix-like user ids must not match either.
      expect(await store.getSession({ userId: 'alic', sessionId: 'private' })).toBeUndefined();
      expect(await store.listSessions('alice_')).toEqual([]);
    });

    it("lists only the user's sessions, most recently updated first, without messages", async () => {
      await appendTurn(
        store,
        turnInput({ userId: alice, sessionId: 'oldest' }, turnMessages('o'), { now: minute(1) }),
      );
      await appendTurn(
        store,
        turnInput({ userId: alice, sessionId: 'newest' }, turnMessages('n'), { now: minute(3) }),
      );
      await appendTurn(
        store,
        turnInput({ userId: alice, sessionId: 'middle' }, turnMessages('m'), { now: minute(2) }),
      );
      // Bob's session is the most recent of all, so leaking it would put it first.
      await appendTurn(
        store,
        turnInput({ userId: bob, sessionId: 'other' }, turnMessages('b'), { now: minute(9) }),
      );

      const listed = await store.listSessions(alice);
      expect(listed).toEqual([
        summary(alice, 'newest', minute(3), minute(3), 2, 'n'),
        summary(alice, 'middle', minute(2), minute(2), 2, 'm'),
        summary(alice, 'oldest', minute(1), minute(1), 2, 'o'),
      ]);
      for (const entry of listed) expect(entry).not.toHaveProperty('messages');

      // An append moves a session to the front and updates its count, keeping its creation time.
      await appendTurn(
        store,
        turnInput({ userId: alice, sessionId: 'oldest' }, turnMessages('o2'), {
          now: minute(4),
          sessionExisted: true,
        }),
      );
      expect(await store.listSessions(alice, { limit: 2 })).toEqual([
        // The title stays the first question's; the last message is the new reply.
        summary(alice, 'oldest', minute(1), minute(4), 4, 'o', 'o2'),
        summary(alice, 'newest', minute(3), minute(3), 2, 'n'),
      ]);
      expect(await store.listSessions(bob)).toEqual([summary(bob, 'other', minute(9), minute(9), 2, 'b')]);
    });

    it.each(invalidIds.map((id) => [JSON.stringify(id), id]))(
      'rejects the invalid id %s with INVALID_ID and writes nothing',
      async (_label, invalidId) => {
        const messages = turnMessages('t1');
        await expectAppError(store.getSession({ userId: invalidId, sessionId: 's1' }), 'INVALID_ID');
        await expectAppError(store.getSession({ userId: alice, sessionId: invalidId }), 'INVALID_ID');
        await expectAppError(
          appendTurn(store, turnInput({ userId: invalidId, sessionId: 's1' }, messages)),
          'INVALID_ID',
        );
        await expectAppError(
          appendTurn(
            store,
            turnInput({ userId: alice, sessionId: invalidId }, messages, { sessionExisted: true }),
          ),
          'INVALID_ID',
        );
        await expectAppError(store.listSessions(invalidId), 'INVALID_ID');
        expect(await harness.storedDocuments()).toEqual([]);
      },
    );

    it('accepts ids at the edge of the allowed pattern', async () => {
      const longest = 'x'.repeat(64);
      const keys: SessionKey[] = [
        { userId: longest, sessionId: longest },
        { userId: '-', sessionId: '_' },
        { userId: 'A-Za-z_09', sessionId: 'o6AbC-dEf_GhIjK' },
      ];
      for (const key of keys) {
        await appendTurn(store, turnInput(key, turnMessages('t1')));
        expect((await store.getSession(key))?.message_count).toBe(2);
        expect(await store.listSessions(key.userId)).toHaveLength(1);
      }
    });

    it('keeps every one of 50 concurrent turns to one new session, seeded once, each turn intact', async () => {
      const key = { userId: alice, sessionId: 'busy' };
      const seed = [userMessage('seed-user'), agentMessage('seed-agent')];
      const turnCount = 50;
      await Promise.all(
        Array.from({ length: turnCount }, (_, turn) =>
          appendTurn(
            store,
            turnInput(key, turnMessages(`turn${turn}`), {
              seedMessages: seed,
              now: new Date(Date.UTC(2026, 2, 1, 11, 0, 0, turn)).toISOString(),
              sessionExisted: false,
            }),
          ),
        ),
      );

      const session = await store.getSession(key);
      if (session === undefined) throw new Error('session missing after concurrent writes');
      expectTurnsIntact(
        session,
        seed,
        Array.from({ length: turnCount }, (_, turn) => `turn${turn}`),
      );
      expect(await harness.storedDocuments()).toHaveLength(1);
      expect(await store.listSessions(alice)).toEqual([
        expect.objectContaining({ session_id: 'busy', message_count: seed.length + turnCount * 2 }),
      ]);
    });

    it('settles concurrent turns whose existence hints disagree', async () => {
      const key = { userId: alice, sessionId: 'mixed' };
      const seed = [userMessage('seed-user')];
      const turnCount = 20;
      await Promise.all(
        Array.from({ length: turnCount }, (_, turn) =>
          appendTurn(
            store,
            turnInput(key, turnMessages(`turn${turn}`), {
              seedMessages: seed,
              sessionExisted: turn % 2 === 0,
            }),
          ),
        ),
      );

      const session = await store.getSession(key);
      if (session === undefined) throw new Error('session missing after concurrent writes');
      expectTurnsIntact(
        session,
        seed,
        Array.from({ length: turnCount }, (_, turn) => `turn${turn}`),
      );
    });

    it('lands concurrent turns to many sessions of one user and lists them all', async () => {
      const sessionCount = 20;
      await Promise.all(
        Array.from({ length: sessionCount }, (_, index) =>
          Promise.all([
            appendTurn(
              store,
              turnInput({ userId: alice, sessionId: `s${index}` }, turnMessages(`s${index}-a`), {
                seedMessages: [userMessage(`s${index}-seed`)],
              }),
            ),
            appendTurn(
              store,
              turnInput({ userId: alice, sessionId: `s${index}` }, turnMessages(`s${index}-b`), {
                seedMessages: [userMessage(`s${index}-seed`)],
              }),
            ),
          ]),
        ),
      );

      const listed = await store.listSessions(alice, { limit: 100 });
      expect(listed.map((entry) => entry.session_id).sort()).toEqual(
        Array.from({ length: sessionCount }, (_, index) => `s${index}`).sort(),
      );
      for (const entry of listed) expect(entry.message_count).toBe(5);
      for (let index = 0; index < sessionCount; index += 1) {
        const session = await store.getSession({ userId: alice, sessionId: `s${index}` });
        if (session === undefined) throw new Error(`session s${index} missing`);
        expectTurnsIntact(session, [userMessage(`s${index}-seed`)], [`s${index}-a`, `s${index}-b`]);
      }
    });

    turnContractTests(() => ({ store, harness }));
    privacyContractTests(() => ({ store, harness }));
    legacyContractTests(() => ({ store, harness }));
    annotationContractTests(() => ({ store, harness }));

    it('round-trips message contents and optional fields exactly', async () => {
      const key = { userId: alice, sessionId: 'unicode' };
      const seed: StoredMessage[] = [
        {
          message_id: 'seed-1',
          role: 'user',
          content: '你好，我今天有点难过。😢👩‍👩‍👧 "quoted" \'single\' \\backslash\\',
          timestamp: '2026-03-01T09:59:59.999Z',
        },
        {
          message_id: 'seed-2',
          role: 'agent',
          content: '抱抱你。\n第二行\r\n\tTab <b>html</b> & {"$date": 0} $inc',
          timestamp: '2026-03-01T10:00:00.000Z',
          emotion: 'sad',
          emotion_source: 'classifier',
          status: 'complete',
        },
      ];
      const messages: StoredMessage[] = [
        {
          message_id: 'turn-user',
          role: 'user',
          content: `${'长'.repeat(5000)}${'🙂'.repeat(500)}`,
          timestamp: '2026-03-01T10:00:01.000Z',
          status: 'failed',
          error_code: 'LLM_TIMEOUT',
          client_msg_id: 'c-1',
          attempt_id: 'a-1',
          attempt_at: '2026-03-01T10:00:01.000Z',
          attempts: 1,
        },
      ];
      await appendTurn(store, turnInput(key, messages, { seedMessages: seed }));

      const session = await store.getSession(key);
      // Strict equality: an absent optional field must come back absent, not as `undefined` or `null`.
      expect(session?.messages).toStrictEqual([...seed, ...messages]);
      const stored = sessionRecordSchema.parse((await harness.storedDocuments())[0]);
      expect(stored.messages).toStrictEqual([
        ...seed,
        {
          message_id: 'turn-user',
          role: 'user',
          content: messages[0]?.content,
          timestamp: '2026-03-01T10:00:01.000Z',
          client_msg_id: 'c-1',
        },
      ]);
      expect(stored.turns).toStrictEqual({
        'm_turn-user': {
          attempt_id: 'a-1',
          attempt_at: '2026-03-01T10:00:01.000Z',
          attempts: 1,
          status: 'failed',
          error_code: 'LLM_TIMEOUT',
        },
      });
    });
  });
}

/** A listing's row of a session of `turnMessages` turns: titled by the first, previewing the last. */
function summary(
  userId: string,
  sessionId: string,
  createdAt: string,
  updatedAt: string,
  count: number,
  firstTurn: string,
  lastTurn = firstTurn,
) {
  return {
    schema_version: SESSION_SCHEMA_VERSION,
    user_id: userId,
    session_id: sessionId,
    created_at: createdAt,
    updated_at: updatedAt,
    message_count: count,
    title: `question ${firstTurn}-user`,
    title_source: 'message',
    last_message_preview: `answer ${lastTurn}-agent`,
    last_emotion: 'calm',
  };
}

/**
 * The seed once at the start, then every turn exactly once: its question, and later its reply naming
 * it. Turns may interleave (concurrent turns store questions before replies), but a reply never comes
 * before its own question and nothing is stored twice.
 */
export function expectTurnsIntact(
  session: SessionDocument,
  seed: readonly StoredMessage[],
  turnIds: readonly string[],
): void {
  expect(session.message_count).toBe(session.messages.length);
  expect(session.messages.length).toBe(seed.length + turnIds.length * 2);
  expect(session.messages.slice(0, seed.length)).toEqual(seed);
  const turnPart = session.messages.slice(seed.length);
  const ids = turnPart.map((message) => message.message_id);
  expect(new Set(ids).size).toBe(ids.length);
  const seenTurns: string[] = [];
  for (const [index, message] of turnPart.entries()) {
    if (message.role !== 'user') continue;
    const turnId = message.message_id.replace(/-user$/, '');
    seenTurns.push(turnId);
    const replyIndex = turnPart.findIndex((candidate) => candidate.reply_to === message.message_id);
    expect(replyIndex, `reply of ${turnId}`).toBeGreaterThan(index);
    expect(turnPart[replyIndex]?.message_id).toBe(`${turnId}-agent`);
  }
  expect([...seenTurns].sort()).toEqual([...turnIds].sort());
}

import { expect, it } from 'vitest';
import { SESSION_SCHEMA_VERSION, type StoredMessage } from '../../shared/storage/session-document.js';
import { sessionRecordSchema } from '../../shared/storage/session-record.js';
import type { SessionStore } from '../../shared/storage/session-store.js';
import type { SessionStoreHarness } from './session-store-contract.js';

/**
 * Sessions written by schema version 1 (turn state on each question), as production databases hold
 * them: every adapter reads them, presents an answered question as complete, and takes new turns on
 * them, upgrading the document to version 2 on its first write. Registered inside `testSessionStore`.
 */

const key = { userId: 'alice', sessionId: 'old' };
const at = (second: number) => new Date(Date.UTC(2026, 0, 5, 9, 0, second)).toISOString();

function oldQuestion(id: string, fields: Partial<StoredMessage>): StoredMessage {
  return {
    message_id: `${id}-user`,
    role: 'user',
    content: `question ${id}`,
    timestamp: at(0),
    client_msg_id: `client-${id}`,
    attempt_id: `attempt-${id}`,
    attempt_at: at(0),
    attempts: 1,
    ...fields,
  };
}

const reply = (id: string): StoredMessage => ({
  message_id: `${id}-agent`,
  role: 'agent',
  content: `answer ${id}`,
  timestamp: at(1),
  reply_to: `${id}-user`,
});

const seeded: StoredMessage = {
  message_id: 'seed-1',
  role: 'user',
  content: 'hi',
  timestamp: at(0),
  seeded: true,
};

/** A version 1 document: a complete turn, one whose status write was lost after its reply, a failed one. */
const legacyMessages: StoredMessage[] = [
  seeded,
  oldQuestion('done', { status: 'complete' }),
  reply('done'),
  oldQuestion('lost', { status: 'pending' }),
  reply('lost'),
  oldQuestion('failed', { status: 'failed', error_code: 'LLM_TIMEOUT' }),
];

const legacyDocument = {
  schema_version: 1,
  user_id: key.userId,
  session_id: key.sessionId,
  created_at: at(0),
  updated_at: at(2),
  message_count: legacyMessages.length,
  messages: legacyMessages,
};

function question(id: string): StoredMessage {
  return { ...oldQuestion(id, { status: 'pending' }), timestamp: at(10), attempt_at: at(10) };
}

async function begin(store: SessionStore, message: StoredMessage) {
  return store.beginTurn({ key, seedMessages: [], question: message, now: at(10), sessionExisted: true });
}

export function legacyContractTests(
  current: () => { store: SessionStore; harness: SessionStoreHarness },
): void {
  it('reads a version 1 session, presenting an answered question as complete', async () => {
    const { store, harness } = current();
    await harness.writeRawSession(legacyDocument);
    const session = await store.getSession(key);
    expect(session?.schema_version).toBe(SESSION_SCHEMA_VERSION);
    expect(session?.messages.map((message) => [message.message_id, message.status])).toEqual([
      ['seed-1', undefined],
      ['done-user', 'complete'],
      ['done-agent', undefined],
      ['lost-user', 'complete'],
      ['lost-agent', undefined],
      ['failed-user', 'failed'],
    ]);
    expect((await store.findTurn(key, 'client-lost'))?.reply?.message_id).toBe('lost-agent');
    expect((await store.findTurn(key, 'client-failed'))?.question).toMatchObject({
      error_code: 'LLM_TIMEOUT',
    });
    const [exported] = await store.exportSessions(key.userId);
    expect(exported?.messages[3]).toMatchObject({ message_id: 'lost-user', status: 'complete' });
    expect(await store.listSessions(key.userId)).toEqual([
      expect.objectContaining({
        session_id: 'old',
        message_count: 6,
        schema_version: SESSION_SCHEMA_VERSION,
      }),
    ]);
  });

  it('takes new turns on a version 1 session and still knows its old client ids', async () => {
    const { store, harness } = current();
    await harness.writeRawSession(legacyDocument);
    expect(await begin(store, question('new'))).toEqual({ started: true });
    expect(
      await store.finishTurn({
        key,
        messageId: 'new-user',
        attemptId: 'attempt-new',
        outcome: { status: 'complete', reply: reply('new') },
        now: at(11),
      }),
    ).toBe(true);
    // A resend of a turn stored by version 1 is recognised, not stored twice.
    const resend = await begin(store, { ...question('again'), client_msg_id: 'client-done' });
    expect(resend).toMatchObject({ started: false, existing: { reply: reply('done') } });

    const [stored] = await harness.storedDocuments();
    const record = sessionRecordSchema.parse(stored);
    expect(record.message_count).toBe(8);
    expect(Object.keys(record.client_msg_ids).sort()).toEqual(
      ['c_client-done', 'c_client-failed', 'c_client-lost', 'c_client-new'].sort(),
    );
    const session = await store.getSession(key);
    expect(session?.messages.slice(-2).map((message) => [message.message_id, message.status])).toEqual([
      ['new-user', 'complete'],
      ['new-agent', undefined],
    ]);
  });

  it('hands a failed version 1 turn to a retry, which alone may finish it', async () => {
    const { store, harness } = current();
    await harness.writeRawSession(legacyDocument);
    const claim = (attemptId: string) =>
      store.claimTurn({
        key,
        messageId: 'failed-user',
        previousAttemptId: 'attempt-failed',
        attemptId,
        now: at(20),
      });
    expect(await claim('retry-1')).toBe(true);
    expect(await claim('retry-2')).toBe(false);
    const finish = (attemptId: string) =>
      store.finishTurn({
        key,
        messageId: 'failed-user',
        attemptId,
        outcome: { status: 'complete', reply: reply('failed') },
        now: at(21),
      });
    expect(await finish('attempt-failed')).toBe(false);
    expect(await finish('retry-1')).toBe(true);
    const turn = await store.findTurn(key, 'client-failed');
    expect(turn?.question).toMatchObject({ status: 'complete', attempt_id: 'retry-1', attempts: 2 });
    expect(turn?.question).not.toHaveProperty('error_code');
    expect(turn?.reply).toEqual(reply('failed'));
  });
}

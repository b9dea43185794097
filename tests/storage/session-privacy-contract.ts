import { expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  type SessionDocument,
  type SessionKey,
  sessionDocumentSchema,
} from '../../shared/storage/session-document.js';
import type { SessionStore } from '../../shared/storage/session-store.js';
import {
  appendTurn,
  expectAppError,
  invalidIds,
  minute,
  type SessionStoreHarness,
  turnInput,
  turnMessages,
  userMessage,
} from './session-store-contract.js';

/**
 * The privacy calls every adapter shares (PIPL: export, delete one, delete all, the retention sweep), and
 * that none of them ever reaches another user's data whatever ids are sent. Registered inside
 * `testSessionStore`, so each test starts from an empty store.
 */

const alice = 'alice';
const bob = 'bob';

const strictDocument = z.strictObject(sessionDocumentSchema.shape);

/** Alice: private (minute 1), diary (minute 3), work (minute 5); Bob: his own `private` (minute 2) and mine (minute 4). */
async function seedTwoUsers(store: SessionStore): Promise<void> {
  const sessions: [string, string, number][] = [
    [alice, 'private', 1],
    [bob, 'private', 2],
    [alice, 'diary', 3],
    [bob, 'mine', 4],
    [alice, 'work', 5],
  ];
  for (const [userId, sessionId, at] of sessions) {
    await appendTurn(
      store,
      turnInput({ userId, sessionId }, turnMessages(`${userId}-${sessionId}`), { now: minute(at) }),
    );
  }
}

function ids(documents: readonly { session_id: string }[]): string[] {
  return documents.map((document) => document.session_id);
}

function owners(documents: readonly unknown[]): string[] {
  return documents
    .map((document) => `${(document as SessionDocument).user_id}/${(document as SessionDocument).session_id}`)
    .sort();
}

/** Ids Bob may send to reach Alice's sessions: hers exactly, prefixes, extensions and case variants. */
const craftedSessionIds = [
  'private',
  'diary',
  'work',
  'priv',
  'privat',
  'private_',
  'private-',
  'Private',
  'PRIVATE',
  'Diary',
  'WORK',
  'p',
  '_',
  '-',
];

/** User ids that resemble Alice's: a caller with one of them must not reach her data either. */
const aliceLookalikes = ['Alice', 'ALICE', 'alic', 'alice_', 'alice-', '_alice', 'alicealice', 'a'];

export function privacyContractTests(
  current: () => { store: SessionStore; harness: SessionStoreHarness },
): void {
  it("exports every session of the user, whole and as stored, in session_id order, and nobody else's", async () => {
    const { store } = current();
    await seedTwoUsers(store);

    const exported = await store.exportSessions(alice);
    expect(ids(exported)).toEqual(['diary', 'private', 'work']);
    for (const document of exported) {
      // Strict: exactly the schema's fields, nothing the adapter keeps beside them (a database _id).
      expect(strictDocument.parse(document)).toEqual(
        await store.getSession({ userId: alice, sessionId: document.session_id }),
      );
      expect(document.user_id).toBe(alice);
    }
    expect(ids(await store.exportSessions(bob))).toEqual(['mine', 'private']);
    expect(
      (await store.exportSessions(bob)).find((document) => document.session_id === 'private')?.messages,
    ).toEqual(turnMessages('bob-private'));
    expect(await store.exportSessions('carol')).toEqual([]);
  });

  it('pages an export by session id in code-unit order, stable across limits', async () => {
    const { store } = current();
    // Upper case, `-`, `_` and digits sort by code unit: - < 0-9 < A-Z < _ < a-z.
    const sessionIds = ['beta', 'Alpha', '_under', '9lives', '-dash', 'alpha'];
    for (const [index, sessionId] of sessionIds.entries()) {
      await appendTurn(
        store,
        turnInput({ userId: alice, sessionId }, turnMessages(sessionId), { now: minute(index) }),
      );
    }
    const sorted = ['-dash', '9lives', 'Alpha', '_under', 'alpha', 'beta'];
    expect(ids(await store.exportSessions(alice))).toEqual(sorted);

    const paged: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.exportSessions(alice, { afterSessionId: after, limit: 4 });
      paged.push(...ids(page));
      if (page.length < 4) break;
      after = page.at(-1)?.session_id;
    }
    expect(paged).toEqual(sorted);
    expect(ids(await store.exportSessions(alice, { afterSessionId: 'Alpha', limit: 2 }))).toEqual([
      '_under',
      'alpha',
    ]);
    // A cursor that is no session's id still pages from where it would sort.
    expect(ids(await store.exportSessions(alice, { afterSessionId: 'b' }))).toEqual(['beta']);
    expect(await store.exportSessions(alice, { afterSessionId: 'zzz' })).toEqual([]);
  });

  it('exports more sessions than one database page holds', async () => {
    const { store } = current();
    const count = 130;
    const sessionIds = Array.from({ length: count }, (_, index) => `s${String(index).padStart(3, '0')}`);
    await Promise.all(
      sessionIds.map((sessionId) =>
        // The question alone (a pending turn) is enough to create the session.
        appendTurn(
          store,
          turnInput({ userId: alice, sessionId }, [{ ...userMessage(sessionId), status: 'pending' }]),
        ),
      ),
    );
    await appendTurn(store, turnInput({ userId: bob, sessionId: 's000' }, turnMessages('bob')));

    expect(ids(await store.exportSessions(alice))).toEqual(sessionIds);
    expect(ids(await store.exportSessions(alice, { limit: 105 }))).toEqual(sessionIds.slice(0, 105));
    expect(ids(await store.exportSessions(alice, { afterSessionId: 's099', limit: 1000 }))).toEqual(
      sessionIds.slice(100),
    );
  });

  it("deletes one session of the user, and only that one: not her others, not Bob's with the same id", async () => {
    const { store, harness } = current();
    await seedTwoUsers(store);
    const bobsPrivate = await store.getSession({ userId: bob, sessionId: 'private' });

    expect(await store.deleteSession({ userId: alice, sessionId: 'private' })).toBe(true);
    expect(await store.getSession({ userId: alice, sessionId: 'private' })).toBeUndefined();
    expect(await store.getSession({ userId: bob, sessionId: 'private' })).toEqual(bobsPrivate);
    expect(ids(await store.listSessions(alice))).toEqual(['work', 'diary']);
    expect(ids(await store.exportSessions(alice))).toEqual(['diary', 'work']);
    expect(owners(await harness.storedDocuments())).toEqual([
      'alice/diary',
      'alice/work',
      'bob/mine',
      'bob/private',
    ]);

    // Deleting again, or a session that never existed, deletes nothing and says so.
    expect(await store.deleteSession({ userId: alice, sessionId: 'private' })).toBe(false);
    expect(await store.deleteSession({ userId: alice, sessionId: 'never' })).toBe(false);
    expect(await harness.storedDocuments()).toHaveLength(4);
  });

  it('starts a fresh session when a turn comes after its session was deleted', async () => {
    const { store } = current();
    const key = { userId: alice, sessionId: 'again' };
    await appendTurn(store, turnInput(key, turnMessages('old'), { now: minute(1) }));
    expect(await store.deleteSession(key)).toBe(true);

    await appendTurn(store, turnInput(key, turnMessages('new'), { now: minute(2), sessionExisted: true }));
    const session = await store.getSession(key);
    expect(session).toMatchObject({ created_at: minute(2), updated_at: minute(2), message_count: 2 });
    expect(session?.messages).toEqual(turnMessages('new'));
    expect(ids(await store.listSessions(alice))).toEqual(['again']);
  });

  it('never leaves half a session when turns race a delete', async () => {
    const { store } = current();
    const key = { userId: alice, sessionId: 'racing' };
    await appendTurn(store, turnInput(key, turnMessages('first'), { now: minute(1) }));
    const turnIds = Array.from({ length: 12 }, (_, index) => `race${index}`);
    const results = await Promise.allSettled([
      ...turnIds.map((turnId) =>
        appendTurn(store, turnInput(key, turnMessages(turnId), { sessionExisted: true })),
      ),
      store.deleteSession(key),
    ]);
    // The delete itself always succeeds; a turn caught between its two writes may fail to finish.
    expect(results.at(-1)).toEqual({ status: 'fulfilled', value: true });

    const session = await store.getSession(key);
    if (session === undefined) return;
    expect(session.message_count).toBe(session.messages.length);
    const questions = new Set(
      session.messages.filter((message) => message.role === 'user').map((message) => message.message_id),
    );
    for (const message of session.messages) {
      expect(turnIds.some((turnId) => message.message_id.startsWith(`${turnId}-`))).toBe(true);
      // No reply without its question in the same document.
      if (message.role === 'agent') expect(questions.has(message.reply_to ?? '')).toBe(true);
    }
  });

  it("deletes all of the user's sessions and nothing of anyone else's", async () => {
    const { store, harness } = current();
    await seedTwoUsers(store);
    const bobsBefore = await store.exportSessions(bob);

    expect(await store.deleteAllSessions(alice)).toBe(3);
    expect(await store.listSessions(alice)).toEqual([]);
    expect(await store.exportSessions(alice)).toEqual([]);
    for (const sessionId of ['private', 'diary', 'work']) {
      expect(await store.getSession({ userId: alice, sessionId })).toBeUndefined();
    }
    expect(await store.exportSessions(bob)).toEqual(bobsBefore);
    expect(owners(await harness.storedDocuments())).toEqual(['bob/mine', 'bob/private']);
    expect(await store.deleteAllSessions(alice)).toBe(0);
    expect(await store.deleteAllSessions('carol')).toBe(0);

    // Alice can start over.
    await appendTurn(store, turnInput({ userId: alice, sessionId: 'private' }, turnMessages('again')));
    expect(ids(await store.exportSessions(alice))).toEqual(['private']);
  });

  it('sweeps sessions of every user last updated before the cutoff, and keeps the rest', async () => {
    const { store, harness } = current();
    await seedTwoUsers(store);
    // An append moves a session's updated_at: Alice's `private` (created minute 1) is recent again.
    await appendTurn(
      store,
      turnInput({ userId: alice, sessionId: 'private' }, turnMessages('later'), {
        now: minute(9),
        sessionExisted: true,
      }),
    );

    // Strictly before: `diary` (minute 3) stays at a cutoff of minute 3.
    expect(await store.deleteSessionsUpdatedBefore(minute(3))).toBe(1);
    expect(owners(await harness.storedDocuments())).toEqual([
      'alice/diary',
      'alice/private',
      'alice/work',
      'bob/mine',
    ]);
    expect(ids(await store.listSessions(bob))).toEqual(['mine']);

    // In batches of at most `limit`.
    expect(await store.deleteSessionsUpdatedBefore(minute(6), { limit: 2 })).toBe(2);
    expect(await store.deleteSessionsUpdatedBefore(minute(6), { limit: 2 })).toBe(1);
    expect(await store.deleteSessionsUpdatedBefore(minute(6), { limit: 2 })).toBe(0);
    expect(owners(await harness.storedDocuments())).toEqual(['alice/private']);
    expect(ids(await store.listSessions(alice))).toEqual(['private']);
    expect(await store.listSessions(bob)).toEqual([]);
  });

  it('refuses a cutoff that would not compare correctly, deleting nothing', async () => {
    const { store, harness } = current();
    await seedTwoUsers(store);
    for (const cutoff of [
      '',
      'yesterday',
      '2026-03-01',
      '2026-03-01T10:00:00Z',
      '2026-03-01T18:00:00.000+08:00',
    ]) {
      await expect(store.deleteSessionsUpdatedBefore(cutoff)).rejects.toThrow(TypeError);
    }
    await expect(store.deleteSessionsUpdatedBefore(minute(9), { limit: 0 })).rejects.toThrow(TypeError);
    expect(await harness.storedDocuments()).toHaveLength(5);
  });

  it("never lets another user list, export or delete Alice's sessions, whatever ids are sent", async () => {
    const { store, harness } = current();
    await seedTwoUsers(store);
    const alicesBefore = await store.exportSessions(alice);
    const bobsMine = await store.getSession({ userId: bob, sessionId: 'mine' });

    // Bob, with Alice's session ids and look-alikes of them.
    for (const sessionId of craftedSessionIds) {
      const deleted = await store.deleteSession({ userId: bob, sessionId });
      // Bob has a `private` of his own: only that one is his to delete.
      expect(deleted, sessionId).toBe(sessionId === 'private');
      expect(ids(await store.exportSessions(bob, { afterSessionId: sessionId }))).not.toContain('diary');
    }
    expect(ids(await store.exportSessions(bob))).toEqual(['mine']);
    expect(ids(await store.listSessions(bob))).toEqual(['mine']);

    // Callers whose own id resembles Alice's.
    for (const userId of aliceLookalikes) {
      expect(await store.listSessions(userId), userId).toEqual([]);
      expect(await store.exportSessions(userId), userId).toEqual([]);
      for (const sessionId of ['private', 'diary', 'work']) {
        expect(await store.deleteSession({ userId, sessionId }), `${userId}/${sessionId}`).toBe(false);
      }
      expect(await store.deleteAllSessions(userId), userId).toBe(0);
    }

    // Alice's data is exactly as it was; Bob kept his other session.
    expect(await store.exportSessions(alice)).toEqual(alicesBefore);
    expect(await store.getSession({ userId: bob, sessionId: 'mine' })).toEqual(bobsMine);
    expect(owners(await harness.storedDocuments())).toEqual([
      'alice/diary',
      'alice/private',
      'alice/work',
      'bob/mine',
    ]);
  });

  it.each(invalidIds.map((id) => [JSON.stringify(id), id]))(
    'refuses the invalid id %s in every privacy call with INVALID_ID, deleting nothing',
    async (_label, invalidId) => {
      const { store, harness } = current();
      const key: SessionKey = { userId: alice, sessionId: 'kept' };
      await appendTurn(store, turnInput(key, turnMessages('kept')));

      await expectAppError(store.exportSessions(invalidId), 'INVALID_ID');
      await expectAppError(store.exportSessions(alice, { afterSessionId: invalidId }), 'INVALID_ID');
      await expectAppError(store.deleteSession({ userId: invalidId, sessionId: 'kept' }), 'INVALID_ID');
      await expectAppError(store.deleteSession({ userId: alice, sessionId: invalidId }), 'INVALID_ID');
      await expectAppError(store.deleteAllSessions(invalidId), 'INVALID_ID');
      expect(owners(await harness.storedDocuments())).toEqual(['alice/kept']);
    },
  );
}

import { expect, it } from 'vitest';
import { SESSION_SCHEMA_VERSION } from '../../shared/storage/session-document.js';
import type { SessionStore } from '../../shared/storage/session-store.js';
import {
  agentMessage,
  appendTurn,
  expectAppError,
  minute,
  type SessionStoreHarness,
  turnInput,
  turnMessages,
  userMessage,
} from './session-store-contract.js';

/**
 * What the user adds to a session besides its turns (a title, feedback on a reply) and what a session
 * list shows, on every adapter. Registered inside `testSessionStore`, so each test starts empty.
 */

const alice = 'alice';
const bob = 'bob';

async function oneTurn(store: SessionStore, userId: string, sessionId: string, turnId: string, at = 1) {
  await appendTurn(store, turnInput({ userId, sessionId }, turnMessages(turnId), { now: minute(at) }));
}

export function annotationContractTests(
  current: () => { store: SessionStore; harness: SessionStoreHarness },
): void {
  it("renames a session; the model's title never replaces the user's, and updated_at stays", async () => {
    const { store } = current();
    const key = { userId: alice, sessionId: 's1' };
    await oneTurn(store, alice, 's1', 't1');
    expect(await store.setSessionTitle(key, '关于   工作的烦恼', 'model')).toBe(true);
    expect((await store.listSessions(alice))[0]).toMatchObject({
      title: '关于 工作的烦恼',
      title_source: 'model',
      updated_at: minute(1),
    });
    expect(await store.setSessionTitle(key, '我的周一', 'user')).toBe(true);
    expect(await store.setSessionTitle(key, '我的周一', 'user')).toBe(true);
    expect(await store.setSessionTitle(key, '模型又起了个名字', 'model')).toBe(false);
    const [listed] = await store.listSessions(alice);
    expect(listed).toMatchObject({ title: '我的周一', title_source: 'user', updated_at: minute(1) });
    // A turn after the rename keeps the user's title.
    await appendTurn(store, turnInput(key, turnMessages('t2'), { now: minute(2), sessionExisted: true }));
    expect((await store.getSession(key))?.title).toBe('我的周一');
  });

  it("cuts the model's long title, refuses an empty one, and titles no session that is not there", async () => {
    const { store } = current();
    await oneTurn(store, alice, 's1', 't1');
    expect(await store.setSessionTitle({ userId: alice, sessionId: 's1' }, '长'.repeat(50), 'model')).toBe(
      true,
    );
    expect((await store.listSessions(alice))[0]?.title).toBe(`${'长'.repeat(29)}…`);
    expect(await store.setSessionTitle({ userId: alice, sessionId: 's1' }, ' \u200b ', 'model')).toBe(false);
    expect(await store.setSessionTitle({ userId: alice, sessionId: 'missing' }, '标题', 'user')).toBe(false);
    // Another user's session with the same id is not hers to rename.
    expect(await store.setSessionTitle({ userId: bob, sessionId: 's1' }, '偷改', 'user')).toBe(false);
    expect((await store.listSessions(alice))[0]?.title).toBe(`${'长'.repeat(29)}…`);
    expect(await store.listSessions(bob)).toEqual([]);
  });

  it('stores feedback on a reply, replaces it, and shows it on the message and in the export', async () => {
    const { store } = current();
    await oneTurn(store, alice, 'older', 'a', 1);
    await oneTurn(store, alice, 's1', 't1', 2);
    const result = await store.recordFeedback(alice, {
      messageId: 't1-agent',
      rating: 'down',
      reason: '太像说教了',
      now: minute(3),
    });
    expect(result).toEqual({ status: 'stored', sessionId: 's1' });
    expect(
      await store.recordFeedback(alice, { messageId: 't1-agent', rating: 'up', now: minute(4) }),
    ).toEqual({ status: 'stored', sessionId: 's1' });
    const session = await store.getSession({ userId: alice, sessionId: 's1' });
    expect(session?.messages[1]).toEqual({
      ...agentMessage('t1-agent', 't1-user'),
      feedback: { rating: 'up', created_at: minute(4) },
    });
    expect(session?.updated_at).toBe(minute(2));
    const exported = await store.exportSessions(alice);
    expect(exported.find((document) => document.session_id === 's1')?.messages[1]?.feedback).toEqual({
      rating: 'up',
      created_at: minute(4),
    });
    expect((await store.listSessions(alice)).map((summary) => summary.session_id)).toEqual(['s1', 'older']);
  });

  it("refuses feedback on the user's own message and on messages that are not the user's", async () => {
    const { store } = current();
    await oneTurn(store, alice, 's1', 't1');
    await oneTurn(store, bob, 's1', 'b1');
    const rate = (userId: string, messageId: string) =>
      store.recordFeedback(userId, { messageId, rating: 'up', now: minute(5) });
    expect(await rate(alice, 't1-user')).toEqual({ status: 'not_a_reply' });
    expect(await rate(bob, 't1-agent')).toEqual({ status: 'not_found' });
    expect(await rate(alice, 'b1-agent')).toEqual({ status: 'not_found' });
    expect(await rate(alice, 'nothing-here')).toEqual({ status: 'not_found' });
    expect((await store.getSession({ userId: alice, sessionId: 's1' }))?.messages[1]).not.toHaveProperty(
      'feedback',
    );
    await expectAppError(rate(alice, 'a.b'), 'INVALID_ID');
  });

  it('titles a session stored before titles existed by its first message when listing it', async () => {
    const { store, harness } = current();
    const question = userMessage('old-user', '最近总是睡不着，脑子里一直在想工作的事情');
    await harness.writeRawSession({
      schema_version: SESSION_SCHEMA_VERSION,
      user_id: alice,
      session_id: 'old',
      created_at: minute(1),
      updated_at: minute(1),
      message_count: 1,
      messages: [question],
      turns: {},
      client_msg_ids: {},
    });
    expect(await store.listSessions(alice)).toEqual([
      expect.objectContaining({
        session_id: 'old',
        title: '最近总是睡不着，脑子里一直在想…',
        title_source: 'message',
      }),
    ]);
  });

  it('reports the owners of the sessions the retention sweep deleted', async () => {
    const { store } = current();
    await oneTurn(store, alice, 'old', 'a', 1);
    await oneTurn(store, bob, 'new', 'b', 9);
    const owners = new Set<string>();
    expect(await store.deleteSessionsUpdatedBefore(minute(5), { owners })).toBe(1);
    expect([...owners]).toEqual([alice]);
  });
}

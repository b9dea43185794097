import { describe, expect, it } from 'vitest';
import {
  LATE_RESULT_KEEP_MS,
  LateSideCallStore,
  type LateSideCalls,
} from '../../shared/chat/late-side-calls.js';
import { runChatTurn } from '../../shared/chat/run-chat-turn.js';
import { fakeWorld } from './fake-turn-ports.js';

/** The warm instance's late side-call results: whose, for which session, for how long. */

const created = '2026-12-04T02:00:00.000Z';

function calls(keptAt: number, sessionCreatedAt = created): LateSideCalls {
  return { sessionCreatedAt, summaryBase: undefined, summary: undefined, proposals: undefined, keptAt };
}

describe('the late side-call store', () => {
  it('gives a session’s results only to the same user', () => {
    const store = new LateSideCallStore();
    const kept = calls(0);
    store.keep({ userId: 'user_a', sessionId: 'session_1' }, kept);
    expect(store.take({ userId: 'user_b', sessionId: 'session_1' }, created, 1)).toBeUndefined();
    expect(store.take({ userId: 'user_a', sessionId: 'session_1' }, created, 1)).toBe(kept);
    expect(store.size).toBe(0);
  });

  it('gives nothing to a session deleted and started again under the same id', () => {
    const store = new LateSideCallStore();
    const key = { userId: 'user_a', sessionId: 'session_1' };
    store.keep(key, calls(0));
    expect(store.take(key, '2026-12-04T02:05:00.000Z', 1)).toBeUndefined();
    // Taken all the same: it is of no use to anyone now.
    expect(store.size).toBe(0);
  });

  it(`gives nothing past ${LATE_RESULT_KEEP_MS / 60_000} minutes`, () => {
    const store = new LateSideCallStore();
    const key = { userId: 'user_a', sessionId: 'session_1' };
    store.keep(key, calls(0));
    expect(store.take(key, created, LATE_RESULT_KEEP_MS + 1)).toBeUndefined();
    store.keep(key, calls(0));
    expect(store.take(key, created, LATE_RESULT_KEEP_MS)).toBeDefined();
  });

  it('sweeps the results past their time when it keeps new ones', () => {
    const store = new LateSideCallStore();
    store.keep({ userId: 'user_a', sessionId: 'session_1' }, calls(0));
    store.keep({ userId: 'user_a', sessionId: 'session_2' }, calls(60_000));
    store.keep({ userId: 'user_b', sessionId: 'session_3' }, calls(LATE_RESULT_KEEP_MS + 1));
    expect(store.size).toBe(2);
    expect(
      store.take({ userId: 'user_a', sessionId: 'session_2' }, created, LATE_RESULT_KEEP_MS + 1),
    ).toBeDefined();
  });
});

describe('late proposals in the next turn', () => {
  it('are dropped when the user turned the memory off meanwhile', async () => {
    const world = fakeWorld();
    const user = 'user_a';
    await world.memory.store.setEnabled(user, true, created);
    world.offUsers.forget(user);
    await runChatTurn(world.turn({ message: '工作好烦' }));
    world.model.proposalScript.push({ reply: '{"memory": ["在一家公司做会计"]}', spendMs: 4_000 });
    world.model.script.push({ reply: '[caring] 我在听。', spendMs: 1_000 });
    await runChatTurn(world.turn({ message: '老板又骂我' }));
    expect(world.lateSideCalls.size).toBe(1);
    await world.timers.sleep(10_000);
    await world.memory.store.setEnabled(user, false, '2026-12-04T02:00:20.000Z');
    world.memory.calls.length = 0;
    await runChatTurn(world.turn({ message: '算了' }));
    expect(world.logs.some((line) => line.includes('"event":"proposals.late_used"'))).toBe(true);
    // Not even asked of the store: the turn read the memory off.
    expect(world.memory.calls).toEqual(['load']);
    expect(world.memory.texts(user)).toEqual([]);
  });
});

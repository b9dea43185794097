import { describe, expect, it } from 'vitest';
import { runChatTurn } from '../../shared/chat/run-chat-turn.js';
import { AppError } from '../../shared/errors/app-error.js';
import { type FakeWorld, fakeWorld } from './fake-turn-ports.js';

/**
 * 知己档案 in the chat turn, on fake ports and virtual time: the memory read beside the session and used
 * only while on; the title and memory proposals made beside the reply call, screened, stored beside the
 * commit, never failing the turn; a late answer stored with the session's next turn.
 */

const user = 'user_a';
const now = () => '2026-12-04T02:00:00.000Z';

async function turnOn(world: FakeWorld, items: string[] = []): Promise<void> {
  await world.memory.store.setEnabled(user, true, now());
  for (const item of items) await world.memory.store.addItem(user, item, now());
  world.offUsers.forget(user);
}

async function say(world: FakeWorld, message: string, sessionId = 'session_1') {
  return runChatTurn(world.turn({ message, sessionId }));
}

const systemSent = (world: FakeWorld) => world.model.attempts.at(-1)?.messages[0]?.content ?? '';
const session = (world: FakeWorld, sessionId = 'session_1') =>
  world.store.document({ userId: user, sessionId });

describe('the memory in the turn', () => {
  it('reaches a new session’s context while on, read beside the session', async () => {
    const world = fakeWorld();
    await turnOn(world, ['希望被叫作小林', '只想被倾听，不要建议']);
    world.memory.calls.length = 0;
    await say(world, '今天又失眠了', 'session_new');
    expect(systemSent(world)).toContain('【你记得的关于对方的事】');
    expect(systemSent(world)).toContain('- 希望被叫作小林');
    expect(systemSent(world)).toContain('- 只想被倾听，不要建议');
    expect(world.memory.calls).toEqual(['load']);
    // Beside the session read: the turn took no virtual time for it.
    expect(world.store.calls).toEqual(['getSession', 'beginTurn', 'finishTurn']);
  });

  it('is not used while off, and the off user is not read again for a while', async () => {
    const world = fakeWorld();
    await world.memory.store.addItem(user, '有一只叫豆豆的猫', now());
    world.memory.calls.length = 0;
    world.model.proposalScript.push({ reply: '{"title": "失眠", "memory": ["在准备考研"]}' });
    await say(world, '今天又失眠了');
    await say(world, '还是睡不着');
    expect(systemSent(world)).not.toContain('豆豆');
    expect(world.memory.calls).toEqual(['load']);
    // No memory proposal was asked for or stored; the title was.
    expect(world.model.proposalAttempts[0]?.messages[1]?.content).toContain('要做的事：标题\n');
    expect(world.memory.texts(user)).toEqual(['有一只叫豆豆的猫']);
    expect(session(world)?.title).toBe('失眠');
  });

  it('goes on without the memory when it cannot be read', async () => {
    const world = fakeWorld();
    await turnOn(world, ['有一只叫豆豆的猫']);
    world.memory.fail('load', 'hang');
    const startedAt = world.timers.now();
    const reply = await say(world, '今天好累');
    expect(reply.content).toContain('很高兴听你说');
    expect(systemSent(world)).not.toContain('豆豆');
    expect(world.timers.now() - startedAt).toBeLessThanOrEqual(1_000);
    expect(world.logs.some((line) => line.includes('"event":"memory.not_read"'))).toBe(true);
  });
});

describe('the model’s proposals', () => {
  it('merges proposals, leaves user items alone and drops one that holds a crisis detail', async () => {
    const world = fakeWorld();
    await turnOn(world, ['不喜欢被说教']);
    world.memory.calls.length = 0;
    await say(world, '我在准备考研，压力好大，家里的猫豆豆陪着我');
    world.model.proposalScript.push({
      reply: JSON.stringify({
        title: '考研压力',
        memory: [
          '正在准备考研',
          '有一只叫豆豆的猫',
          '不喜欢被说教，希望被倾听',
          '她准备了安眠药',
          '曾经有过轻生的念头',
        ],
      }),
    });
    await say(world, '嗯');
    const asked = world.model.proposalAttempts[0]?.messages[1]?.content ?? '';
    expect(asked).toContain('要做的事：标题、记忆条目');
    expect(asked).toContain('- 不喜欢被说教');
    expect(asked).toContain('对方：我在准备考研');
    // One write beside the commit, on the document read with the session: no second read.
    expect(world.memory.calls).toEqual(['load', 'load', 'update']);
    const items = (await world.memory.store.read(user)).items;
    expect(items.map((item) => [item.text, item.source])).toEqual([
      ['不喜欢被说教', 'user'],
      ['正在准备考研', 'model'],
      ['有一只叫豆豆的猫', 'model'],
    ]);
    expect(items[1]?.session_id).toBe('session_1');
    expect(JSON.stringify(items)).not.toMatch(/安眠药|轻生/u);
    expect(session(world)?.title).toBe('考研压力');
    expect(session(world)?.title_source).toBe('model');
    // The next session knows.
    await say(world, '我又来了', 'session_2');
    expect(systemSent(world)).toContain('- 有一只叫豆豆的猫');
  });

  it('proposes a title once, and never over the user’s rename', async () => {
    const world = fakeWorld();
    world.model.proposalScript.push({ reply: '{"title": "工作的烦恼"}' });
    await say(world, '工作好烦');
    await say(world, '老板又骂我');
    await say(world, '算了');
    expect(world.model.proposalAttempts).toHaveLength(1);
    expect(session(world)?.title).toBe('工作的烦恼');

    await say(world, '第一句', 'session_2');
    await world.store.setSessionTitle({ userId: user, sessionId: 'session_2' }, '我的标题', 'user');
    await say(world, '第二句', 'session_2');
    expect(world.model.proposalAttempts).toHaveLength(1);
    expect(session(world, 'session_2')?.title).toBe('我的标题');
  });

  it('does not overwrite a rename made while the proposal was on its way', async () => {
    const world = fakeWorld();
    await say(world, '工作好烦');
    world.model.proposalScript.push({
      reply: '{"title": "模型的标题"}',
      meanwhile: async () => {
        await world.store.setSessionTitle({ userId: user, sessionId: 'session_1' }, '我的标题', 'user');
      },
    });
    await say(world, '老板又骂我');
    expect(session(world)?.title).toBe('我的标题');
    expect(session(world)?.title_source).toBe('user');
  });

  for (const [name, step] of [
    ['fails', { fail: new AppError('LLM_UPSTREAM_ERROR', 'down') }],
    ['answers garbage', { reply: '好的，标题是：工作' }],
    ['answers the wrong shape', { reply: '{"title": 42, "memory": "猫"}' }],
    ['hangs', { hang: true as const }],
  ] as const) {
    it(`never fails or holds up the turn when the proposal call ${name}`, async () => {
      const world = fakeWorld();
      await turnOn(world);
      await say(world, '工作好烦');
      world.model.proposalScript.push(step);
      world.model.script.push({ reply: '[caring] 我在听。', spendMs: 2_000 });
      const startedAt = world.timers.now();
      const reply = await say(world, '老板又骂我');
      expect(reply.content).toBe('我在听。');
      expect(world.timers.now() - startedAt).toBe(2_000);
      expect(world.memory.texts(user)).toEqual([]);
      expect(session(world)?.title_source).toBe('message');
    });
  }

  it('never fails the turn when storing the proposals fails, and logs no text', async () => {
    const world = fakeWorld();
    await turnOn(world);
    await say(world, '工作好烦');
    world.memory.fail('update', 'unavailable');
    world.model.proposalScript.push({ reply: '{"memory": ["在一家公司做会计"]}' });
    const reply = await say(world, '老板又骂我');
    expect(reply.content).toContain('很高兴听你说');
    expect(world.memory.texts(user)).toEqual([]);
    const failure = world.logs.find((line) => line.includes('"event":"memory.not_stored"'));
    expect(failure).toBeDefined();
    expect(world.logs.join('\n')).not.toContain('会计');
  });

  it('applies nothing while the memory is off, even for a proposal that lands after it was turned off', async () => {
    const world = fakeWorld();
    await turnOn(world);
    await say(world, '工作好烦');
    world.model.proposalScript.push({
      reply: '{"memory": ["在一家公司做会计"]}',
      meanwhile: async () => {
        await world.memory.store.setEnabled(user, false, now());
      },
    });
    await say(world, '老板又骂我');
    expect(world.memory.texts(user)).toEqual([]);
  });

  it('stores a late answer with the session’s next turn', async () => {
    const world = fakeWorld();
    await turnOn(world);
    await say(world, '工作好烦');
    world.model.proposalScript.push({
      reply: '{"title": "工作", "memory": ["在一家公司做会计"]}',
      spendMs: 4_000,
    });
    world.model.script.push({ reply: '[caring] 我在听。', spendMs: 1_000 });
    await say(world, '老板又骂我');
    expect(world.memory.texts(user)).toEqual([]);
    expect(session(world)?.title_source).toBe('message');
    await world.timers.sleep(10_000);
    await say(world, '算了');
    expect(world.memory.texts(user)).toEqual(['在一家公司做会计']);
    expect(session(world)?.title).toBe('工作');
  });
});

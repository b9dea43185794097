import { describe, expect, it } from 'vitest';
import { runChatTurn } from '../../shared/chat/run-chat-turn.js';
import { estimateMessageTokens } from '../../shared/context/estimate-tokens.js';
import { loadPromptAssets } from '../../shared/prompt/load-prompt-assets.js';
import { type FakeWorld, fakeWorld } from './fake-turn-ports.js';

/**
 * The side calls (summary, title and memory proposals) against what the user takes back and against
 * turns that end other than by their commit, on fake ports and virtual time.
 */

const user = 'user_a';
const now = () => '2026-12-04T02:00:00.000Z';

async function turnOn(world: FakeWorld): Promise<void> {
  await world.memory.store.setEnabled(user, true, now());
  world.offUsers.forget(user);
}

function say(world: FakeWorld, message: string, extra: { sessionId?: string; clientMsgId?: string } = {}) {
  return runChatTurn(world.turn({ message, sessionId: 'session_1', ...extra }));
}

const wall = (world: FakeWorld) => new Date(Date.UTC(2026, 11, 4, 2) + world.timers.now()).toISOString();

describe('what the user deleted', () => {
  it('is not learned again from the exchanges still stored', async () => {
    const world = fakeWorld();
    await turnOn(world);
    await say(world, '我有一只叫豆豆的猫，它陪我度过了很多夜晚');
    world.model.proposalScript.push({ reply: '{"memory": ["有一只叫豆豆的猫"]}' });
    await say(world, '今天又失眠了');
    const [cat] = (await world.memory.store.read(user)).items;
    await world.timers.sleep(1_000);
    await world.memory.store.deleteItem(user, cat?.id ?? '', wall(world));
    await world.timers.sleep(1_000);
    await say(world, '第三句');
    await say(world, '第四句');
    world.model.proposalScript.push({ reply: '{"memory": ["有一只叫豆豆的猫。", "晚上常常失眠"]}' });
    await say(world, '第五句');
    // The material still held the cat: the model proposed it again, and it was dropped.
    expect(world.model.proposalAttempts.at(-1)?.messages[1]?.content).toContain('豆豆');
    expect(world.memory.texts(user)).toEqual(['晚上常常失眠']);
  });

  it('is not brought back by a late proposal made before memory_clear', async () => {
    const world = fakeWorld();
    await turnOn(world);
    await say(world, '工作好烦，我在一家公司做会计');
    world.model.proposalScript.push({ reply: '{"memory": ["在一家公司做会计"]}', spendMs: 4_000 });
    world.model.script.push({ reply: '[caring] 我在听。', spendMs: 1_000 });
    await say(world, '老板又骂我');
    await world.memory.store.addItem(user, '一条自己的', wall(world));
    await world.timers.sleep(10_000);
    expect(await world.memory.store.clearItems(user, wall(world))).toBe(1);
    await world.timers.sleep(1_000);
    await say(world, '算了');
    expect(world.logs.some((line) => line.includes('"event":"proposals.late_used"'))).toBe(true);
    expect(world.memory.texts(user)).toEqual([]);
  });

  it('is not learned from a session deleted while its turn ran', async () => {
    const world = fakeWorld();
    await turnOn(world);
    await world.memory.store.applyProposals(user, ['养了一只猫'], 'session_0', now());
    await say(world, '我在一家公司做会计，老板总骂我');
    world.model.proposalScript.push({
      reply: '{"title": "工作的烦恼", "memory": ["在一家公司做会计", "养了一只猫，叫豆豆"]}',
    });
    world.model.script.push({
      reply: '[caring] 我在听。',
      spendMs: 1_000,
      meanwhile: async () => {
        world.store.records.delete(`${user}/session_1`);
      },
    });
    await expect(say(world, '唉')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(world.store.document({ userId: user, sessionId: 'session_1' })).toBeUndefined();
    // The item it refreshed is back as it was; the one it added is gone.
    const items = (await world.memory.store.read(user)).items;
    expect(items.map((item) => [item.text, item.session_id])).toEqual([['养了一只猫', 'session_0']]);
  });
});

describe('side calls of a turn that ends without its commit', () => {
  it('are never started for a resend older than the read window that a stored reply answers', async () => {
    const world = fakeWorld();
    await turnOn(world);
    world.readLimit = 2;
    for (let index = 0; index < 4; index += 1) await say(world, `第${index}句`, { clientMsgId: `c${index}` });
    const before = {
      tokens: world.usage.tokens,
      day: world.usage.day,
      calls: world.model.proposalAttempts.length + world.model.summaryAttempts.length,
    };
    world.model.proposalScript.push({ reply: '{"memory": ["在准备考研"]}', spendMs: 3_000 });
    const reply = await say(world, '第0句', { clientMsgId: 'c0' });
    expect(reply.content).toContain('很高兴听你说');
    // A replay asks no model: no side call, no tokens, and the day's count given back.
    expect(world.model.proposalAttempts.length + world.model.summaryAttempts.length).toBe(before.calls);
    expect(world.usage.tokens).toBe(before.tokens);
    expect(world.usage.day).toBe(before.day);
    expect(world.lateSideCalls.size).toBe(0);
  });

  it('are not written again after a failed commit, over what the user edited since', async () => {
    const world = fakeWorld();
    await turnOn(world);
    await say(world, '工作好烦，我在一家公司做会计');
    world.model.proposalScript.push({ reply: '{"memory": ["在一家公司做会计"]}' });
    world.model.script.push({ reply: '[caring] 我在听。', spendMs: 1_000 });
    world.store.fail('finishTurn', ...Array.from({ length: 8 }, () => 'unavailable' as const));
    await expect(say(world, '老板又骂我')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    // Written beside the commit that failed: from words that are stored, so they stay, once.
    expect(world.memory.texts(user)).toEqual(['在一家公司做会计']);
    expect(world.lateSideCalls.size).toBe(0);
    const [item] = (await world.memory.store.read(user)).items;
    await world.timers.sleep(1_000);
    await world.memory.store.updateItem(user, item?.id ?? '', '其实在银行工作', wall(world));
    await world.timers.sleep(1_000);
    await say(world, '算了');
    const items = (await world.memory.store.read(user)).items.map((entry) => [entry.text, entry.source]);
    expect(items).toEqual([['其实在银行工作', 'user']]);
  });

  it('abort a new session’s slow summary, which could not be kept, and count only what was sent', async () => {
    const world = fakeWorld();
    world.tokenBudget = estimateMessageTokens(loadPromptAssets('prompt').systemPrompt) + 400;
    const history = Array.from({ length: 12 }, (_, index) => ({
      role: index % 2 === 1 ? ('agent' as const) : ('user' as const),
      content: `第${index}句`.padEnd(60, '嗯'),
      timestamp: undefined,
    }));
    world.model.summaryScript.push({ reply: '{"summary": "晚到的摘要"}', spendMs: 5_000 });
    world.model.script.push({ reply: '[caring] 我在听。', spendMs: 1_000, tokens: 100 });
    await runChatTurn(world.turn({ message: '你好', sessionId: 'session_new', history }));
    const sent = world.model.summaryAttempts[0]?.messages ?? [];
    expect(sent).not.toHaveLength(0);
    expect(world.model.summaryAttempts[0]?.signal.aborted).toBe(true);
    const estimate = sent.reduce((sum, message) => sum + estimateMessageTokens(message.content), 0);
    expect(world.usage.tokens).toBe(100 + estimate);
    expect(world.lateSideCalls.size).toBe(0);
  });

  it('keep a ready summary for the next turn when the commit write failed', async () => {
    const world = fakeWorld();
    world.readLimit = 4;
    for (let index = 0; index < 3; index += 1) await say(world, `第${index}句`);
    const asked = world.model.summaryAttempts.length;
    world.model.summaryScript.push({ reply: '{"summary": "在准备考研，压力大"}' });
    // Every try of the commit write and of the failure's own write (which would carry the summary).
    world.store.fail('finishTurn', ...Array.from({ length: 8 }, () => 'unavailable' as const));
    await expect(say(world, '第三句')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(world.model.summaryAttempts).toHaveLength(asked + 1);
    expect(world.lateSideCalls.size).toBe(1);
    await say(world, '第四句');
    const stored = world.store.document({ userId: user, sessionId: 'session_1' })?.rolling_summary;
    expect(stored?.text).toBe('在准备考研，压力大');
    expect(world.logs.some((line) => line.includes('"event":"summary.late_used"'))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { runChatTurn } from '../../shared/chat/run-chat-turn.js';
import { buildContextSettings } from '../../shared/context/context-settings.js';
import { estimateMessageTokens } from '../../shared/context/estimate-tokens.js';
import { AppError } from '../../shared/errors/app-error.js';
import { loadPromptAssets } from '../../shared/prompt/load-prompt-assets.js';
import { loadCrisisAssets } from '../../shared/safety/load-crisis-assets.js';
import { type FakeWorld, fakeWorld, promptVersion } from './fake-turn-ports.js';

/**
 * The context budget and the rolling summary in the pipeline, on fake ports and virtual time: the summary
 * call runs beside the reply call, never holds the turn up, never fails it, rides on the commit write.
 */

const key = { userId: 'user_a', sessionId: 'session_1' };
const persona = loadPromptAssets('prompt').systemPrompt;
const chars = 60;
const message = (index: number) => `第${index}句`.padEnd(chars, '嗯');
const replyText = (index: number) => `[caring] 回${index}`.padEnd(chars, '好');
// Single-digit turns all cost the same; later ones cost no more.
const turnTokens = estimateMessageTokens(message(1)) + estimateMessageTokens(replyText(1));
/** Holds the persona, the new message and four earlier turns. */
const smallBudget = estimateMessageTokens(persona) + estimateMessageTokens(message(1)) + 4 * turnTokens + 2;

async function talk(world: FakeWorld, from: number, to: number): Promise<void> {
  for (let index = from; index < to; index += 1) {
    world.model.script.push({ reply: replyText(index) });
    await runChatTurn(world.turn({ message: message(index) }));
  }
}

function smallWorld(): FakeWorld {
  const world = fakeWorld();
  world.tokenBudget = smallBudget;
  return world;
}

const lastSent = (world: FakeWorld) => world.model.attempts.at(-1)?.messages ?? [];

describe('the context within the budget', () => {
  it('sends the newest turns that fit and stays within the budget as the session grows', async () => {
    const world = smallWorld();
    world.model.script.length = 0;
    world.model.summaryScript.push(
      ...Array.from({ length: 20 }, () => ({ fail: new Error('no summaries') })),
    );
    await talk(world, 0, 8);
    const sent = lastSent(world);
    expect(sent.slice(1, -1).map((entry) => entry.content.slice(0, 3))).toEqual([
      '第3句',
      '[ca',
      '第4句',
      '[ca',
      '第5句',
      '[ca',
      '第6句',
      '[ca',
    ]);
    const tokens = sent.reduce((sum, entry) => sum + estimateMessageTokens(entry.content), 0);
    expect(tokens).toBeLessThanOrEqual(smallBudget);
  });

  it('stores the prompt version with every reply', async () => {
    const world = fakeWorld();
    await talk(world, 0, 1);
    await runChatTurn(world.turn({ message: '我想自杀' }));
    const replies = world.store.document(key)?.messages.filter((entry) => entry.role === 'agent') ?? [];
    expect(replies.map((reply) => reply.prompt_version)).toEqual([promptVersion, promptVersion]);
    expect(promptVersion).toMatch(/^[0-9a-f]{12}$/);
  });

  it('refuses at start a budget smaller than the persona, guidance and longest message', () => {
    const options = {
      readLimit: 40,
      maxMessageChars: 2_000,
      promptDir: 'prompt',
      prompt: loadPromptAssets('prompt'),
      crisis: loadCrisisAssets('prompt'),
    };
    expect(buildContextSettings({ ...options, tokenBudget: 6_000 }).tokenBudget).toBe(6_000);
    let error: unknown;
    try {
      buildContextSettings({ ...options, tokenBudget: 3_000 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('CONFIG_INVALID');
    expect((error as AppError).message).toContain('CONTEXT_TOKEN_BUDGET');
  });
});

describe('the rolling summary', () => {
  it('is written beside the reply when turns fall out, on the commit write, and used next turn', async () => {
    const world = smallWorld();
    await talk(world, 0, 5);
    expect(world.model.summaryAttempts).toHaveLength(0);
    world.model.summaryScript.push({ reply: '{"summary": "她最近在找工作，散步对她有帮助。"}', tokens: 300 });
    world.model.script.push({ reply: replyText(5), tokens: 100 });
    const before = { tokens: world.usage.tokens, calls: world.store.calls.length };
    await runChatTurn(world.turn({ message: message(5) }));
    // No request of its own: read, begin, finish, as any turn.
    expect(world.store.calls.slice(before.calls)).toEqual(['getSession', 'beginTurn', 'finishTurn']);
    expect(world.usage.tokens - before.tokens).toBe(400);
    const asked = world.model.summaryAttempts[0];
    expect(asked?.maxTokens).toBeGreaterThan(0);
    expect(asked?.messages[1]?.content).toContain(message(0));
    const summary = world.store.document(key)?.rolling_summary;
    expect(summary?.text).toBe('她最近在找工作，散步对她有帮助。');
    // It covers what fell out and the oldest window turns, through the question of the last of them.
    const covered = world.store
      .document(key)
      ?.messages.find((entry) => entry.message_id === summary?.through_message_id);
    expect(covered?.role).toBe('user');
    await talk(world, 6, 7);
    const sent = lastSent(world);
    expect(sent[0]?.content).toContain('她最近在找工作');
    expect(sent.some((entry) => entry.content === message(0))).toBe(false);
  });

  it('is extended later from the previous one', async () => {
    const world = smallWorld();
    world.model.summaryScript.push(
      { reply: '{"summary": "第一版摘要"}' },
      { reply: '{"summary": "第二版摘要"}' },
    );
    let turns = 0;
    while (world.model.summaryAttempts.length < 2) {
      await talk(world, turns, turns + 1);
      turns += 1;
    }
    expect(world.model.summaryAttempts[1]?.messages[1]?.content).toContain('之前的摘要：\n第一版摘要');
    expect(world.store.document(key)?.rolling_summary?.text).toBe('第二版摘要');
    // Fewer summary calls than turns past the window: each call also takes the oldest window turns.
    await talk(world, turns, 20);
    expect(world.model.summaryAttempts.length).toBeLessThan(20 - 4);
  });

  for (const [name, step] of [
    ['fails', { fail: new AppError('LLM_UPSTREAM_ERROR', 'down') }],
    ['answers garbage', { reply: '[happy] 好的，我来总结一下' }],
    ['records a method', { reply: '{"summary": "她说准备了安眠药，打算今晚全吃了。"}' }],
    ['records self-harm by a blade', { reply: '{"summary": "她提到过用刀片割手腕，割了好几道。"}' }],
    ['records burns', { reply: '{"summary": "他每次难受就用烟头烫自己的胳膊。"}' }],
    ['records an overdose', { reply: '{"summary": "她说想吃100片布洛芬。"}' }],
    ['hangs', { hang: true as const }],
  ] as const) {
    it(`keeps the previous summary, and the turn succeeds, when the summary call ${name}`, async () => {
      const world = smallWorld();
      await talk(world, 0, 6);
      const previous = world.store.document(key)?.rolling_summary;
      expect(previous).toBeDefined();
      // Push the window on until the next summary is due, with the fault planted for it.
      world.model.summaryScript.push(step);
      const calls = world.model.summaryAttempts.length;
      let index = 6;
      while (world.model.summaryAttempts.length === calls) {
        const startedAt = world.timers.now();
        world.model.script.push({ reply: replyText(index), spendMs: 2_000 });
        const reply = await runChatTurn(world.turn({ message: message(index) }));
        expect(reply.content).toContain(`回${index}`);
        // A summary that hangs never holds the turn up.
        expect(world.timers.now() - startedAt).toBe(2_000);
        index += 1;
      }
      expect(world.store.document(key)?.rolling_summary).toEqual(previous);
      expect(world.logs.some((line) => line.includes('"event":"summary.not_stored"'))).toBe(true);
    });
  }

  it('is not waited for when not ready by the commit, and is stored with the next turn', async () => {
    const world = smallWorld();
    await talk(world, 0, 5);
    world.model.summaryScript.push({ reply: '{"summary": "来得晚的摘要"}', spendMs: 5_000 });
    world.model.script.push({ reply: replyText(5), spendMs: 1_000, tokens: 100 });
    const before = world.usage.tokens;
    const startedAt = world.timers.now();
    await runChatTurn(world.turn({ message: message(5) }));
    expect(world.timers.now() - startedAt).toBe(1_000);
    expect(world.store.document(key)?.rolling_summary).toBeUndefined();
    // Counted at once: what was sent and the most it may write (the provider bills it either way).
    const sent = world.model.summaryAttempts[0]?.messages ?? [];
    const estimate = sent.reduce((sum, entry) => sum + estimateMessageTokens(entry.content), 0);
    expect(world.usage.tokens - before).toBe(100 + estimate + 400);
    expect(world.model.summaryAttempts[0]?.signal.aborted).toBe(false);
    expect(world.logs.some((line) => line.includes('"outcome":"late"'))).toBe(true);
    expect(world.lateSideCalls.size).toBe(1);
    // The person types for a while; the summary lands meanwhile and rides on the next turn's commit,
    // which reads it in its context too, and asks for no summary of the same turns again.
    await world.timers.sleep(10_000);
    const calls = { summaries: world.model.summaryAttempts.length, store: world.store.calls.length };
    await talk(world, 6, 7);
    expect(world.store.document(key)?.rolling_summary?.text).toBe('来得晚的摘要');
    expect(world.store.calls.slice(calls.store)).toEqual(['getSession', 'beginTurn', 'finishTurn']);
    expect(lastSent(world)[0]?.content).toContain('来得晚的摘要');
    expect(world.model.summaryAttempts.length).toBe(calls.summaries);
    expect(world.logs.some((line) => line.includes('"event":"summary.late_used"'))).toBe(true);
  });

  it('drops a late summary when the session took another summary meanwhile', async () => {
    const world = smallWorld();
    await talk(world, 0, 5);
    world.model.summaryScript.push({ reply: '{"summary": "晚了"}', spendMs: 5_000 });
    world.model.script.push({ reply: replyText(5), spendMs: 1_000 });
    await runChatTurn(world.turn({ message: message(5) }));
    // Another instance served the next turn and stored its own summary.
    const other = fakeWorld();
    other.store = world.store;
    other.tokenBudget = smallBudget;
    other.model.summaryScript.push({ reply: '{"summary": "别处写的摘要"}' });
    other.model.script.push({ reply: replyText(6) });
    await runChatTurn(other.turn({ message: message(6) }));
    expect(world.store.document(key)?.rolling_summary?.text).toBe('别处写的摘要');
    await world.timers.sleep(10_000);
    await talk(world, 7, 8);
    expect(world.store.document(key)?.rolling_summary?.text).not.toBe('晚了');
    expect(world.logs.some((line) => line.includes('"event":"summary.late_used"'))).toBe(false);
  });

  it('never summarises a crisis-template turn, and makes no call when the reply call fails', async () => {
    const world = smallWorld();
    await talk(world, 0, 1);
    await runChatTurn(world.turn({ message: '我想自杀' }));
    await talk(world, 2, 6);
    const material = world.model.summaryAttempts.map((attempt) => attempt.messages[1]?.content).join('\n');
    expect(material).toContain(message(0));
    expect(material).not.toContain('我想自杀');
    expect(material).not.toContain(world.turn({ message: 'x' }).settings.safety.crisis.responseTemplate);
  });
});

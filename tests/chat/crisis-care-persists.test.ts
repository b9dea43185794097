import { describe, expect, it } from 'vitest';
import { runChatTurn } from '../../shared/chat/run-chat-turn.js';
import { fakeWorld } from './fake-turn-ports.js';

/**
 * Layer 5: once a turn is flagged, the next CRISIS_CALM_TURNS turns keep the guidance in the prompt and
 * the care card on the reply, even when their words are calm; then it goes. Read from the stored
 * replies the turn reads anyway: no extra storage request.
 */

const key = { userId: 'user_a', sessionId: 'session_1' };
const RISKY = '活着好累，不想活了';
const CALM = ['今天吃了面条', '下午看了部电影', '晚上和朋友打了电话', '准备睡觉了', '早上好', '今天下雨了'];

type World = ReturnType<typeof fakeWorld>;

/** Sends each message in turn; for each: the card's level (or none) and whether the guidance was sent. */
async function converse(world: World, messages: readonly string[]) {
  const outcomes: { card: string; guidance: boolean }[] = [];
  for (const message of messages) {
    const turn = world.turn({ message });
    const reply = await runChatTurn(turn);
    const systemPrompt = world.model.attempts.at(-1)?.messages[0]?.content ?? '';
    const askedModel = turn.modelCalls > 0;
    outcomes.push({
      card: reply.safety?.level ?? 'none',
      guidance: askedModel && systemPrompt.includes(turn.settings.safety.crisis.guidance),
    });
  }
  return outcomes;
}

describe('care that persists across turns', () => {
  it('keeps the guidance and the card for 3 calm turns after a flagged one, then lets them go', async () => {
    const world = fakeWorld();
    const outcomes = await converse(world, [RISKY, ...CALM.slice(0, 4)]);
    expect(outcomes).toEqual([
      { card: 'medium', guidance: true },
      { card: 'medium', guidance: true },
      { card: 'medium', guidance: true },
      { card: 'medium', guidance: true },
      { card: 'none', guidance: false },
    ]);
    const replies = (world.store.document(key)?.messages ?? []).filter((message) => message.role === 'agent');
    expect(replies.map((reply) => reply.safety_carried ?? false)).toEqual([false, true, true, true, false]);
    // The storage requests are a plain turn's: nothing more is read.
    expect(world.store.calls.filter((call) => call === 'getSession')).toHaveLength(5);
    expect(world.logs.filter((line) => line.includes('safety.carried'))).toHaveLength(3);
  });

  it('follows CRISIS_CALM_TURNS, and 0 turns it off', async () => {
    const one = fakeWorld();
    one.crisisCare.calmTurns = 1;
    expect(
      (await converse(one, [RISKY, CALM[0] ?? '', CALM[1] ?? ''])).map((outcome) => outcome.card),
    ).toEqual(['medium', 'medium', 'none']);
    const off = fakeWorld();
    off.crisisCare.calmTurns = 0;
    expect((await converse(off, [RISKY, CALM[0] ?? ''])).map((outcome) => outcome.card)).toEqual([
      'medium',
      'none',
    ]);
  });

  it('carries care after a high risk too', async () => {
    const world = fakeWorld();
    world.crisisCare.calmTurns = 2;
    const cards = (await converse(world, ['我想自杀', ...CALM.slice(0, 3)])).map((outcome) => outcome.card);
    expect(cards).toEqual(['high', 'medium', 'medium', 'none']);
  });

  it('starts the count again at a new flag', async () => {
    const world = fakeWorld();
    world.crisisCare.calmTurns = 2;
    const cards = (await converse(world, [RISKY, CALM[0] ?? '', RISKY, ...CALM.slice(1, 4)])).map(
      (outcome) => outcome.card,
    );
    expect(cards).toEqual(['medium', 'medium', 'medium', 'medium', 'medium', 'none']);
  });

  it('lets the judge flag a carried turn on its own, which starts the count again', async () => {
    const world = fakeWorld({
      judge: [
        { reply: '{"risk":"none","labels":[]}' },
        { reply: '{"risk":"medium","labels":["passive_suicidal_ideation"]}' },
      ],
    });
    world.crisisCare.calmTurns = 1;
    const cards = (await converse(world, [RISKY, CALM[0] ?? '', CALM[1] ?? '', CALM[2] ?? ''])).map(
      (outcome) => outcome.card,
    );
    expect(cards).toEqual(['medium', 'medium', 'medium', 'none']);
    const replies = (world.store.document(key)?.messages ?? []).filter((message) => message.role === 'agent');
    expect(replies.map((reply) => reply.safety_carried ?? false)).toEqual([false, false, true, false]);
  });

  it('gives the card with an error on a carried turn', async () => {
    const world = fakeWorld({ script: [{ reply: '[caring] 我在。' }, { hang: true }] });
    await runChatTurn(world.turn({ message: RISKY }));
    const failed = await runChatTurn(world.turn({ message: CALM[0] ?? '' })).catch((error: unknown) => error);
    expect((failed as { toBody(): { safety?: { level: string } } }).toBody().safety?.level).toBe('medium');
  });
});

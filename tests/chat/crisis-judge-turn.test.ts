import { describe, expect, it } from 'vitest';
import { runChatTurn } from '../../shared/chat/run-chat-turn.js';
import { AppError } from '../../shared/errors/app-error.js';
import { CRISIS_JUDGE_MARKER, CRISIS_JUDGE_MAX_TOKENS } from '../../shared/safety/crisis-judge.js';
import { fakeWorld } from './fake-turn-ports.js';

/**
 * Layer 4, the model as judge, on fake ports and virtual time: it runs beside the reply call, can only
 * raise the level, fails open on a timeout, garbage or a provider error, and its tokens are counted.
 */

const key = { userId: 'user_a', sessionId: 'session_1' };
const HARMLESS = '今天天气不错，出去走了走';
const RULES_MEDIUM = '活着好累，不想活了';
const judged = (risk: string, labels: string[] = []) => JSON.stringify({ risk, labels });

async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the turn to fail');
}

describe('the crisis judge', () => {
  it('runs beside the reply call, not before it, with the small answer and the configured model', async () => {
    let judgeAskedBeforeReplyEnded = false;
    const world = fakeWorld({
      judge: [{ reply: judged('none'), spendMs: 1_000 }],
      script: [
        {
          reply: '[happy] 真好。',
          spendMs: 2_000,
          // Runs as the reply ends: the judge must have been asked by then, not after it.
          meanwhile: async () => {
            judgeAskedBeforeReplyEnded = world.model.judgeAttempts.length === 1;
          },
        },
      ],
    });
    world.crisisCare.judge.model = 'cheap-judge';
    const turn = world.turn({ message: HARMLESS });
    const reply = await runChatTurn(turn);
    expect(reply.content).toBe('真好。');
    expect(reply.safety).toBeUndefined();
    expect(judgeAskedBeforeReplyEnded).toBe(true);
    // Side by side: the turn took the reply's 2 s, not 2 s + 1 s.
    expect(world.timers.now()).toBe(2_000);
    const [attempt] = world.model.judgeAttempts;
    expect(attempt?.model).toBe('cheap-judge');
    expect(attempt?.maxTokens).toBe(CRISIS_JUDGE_MAX_TOKENS);
    expect(attempt?.messages[0]?.content.startsWith(CRISIS_JUDGE_MARKER)).toBe(true);
    expect(attempt?.messages[1]?.content).toContain(HARMLESS);
    // The reply call is the ordinary one.
    expect(world.model.attempts[0]?.model).toBeUndefined();
    expect(world.model.attempts[0]?.maxTokens).toBeUndefined();
  });

  it('puts the fixed reply in place of the model’s when it says high on a harmless-looking message', async () => {
    const world = fakeWorld({
      judge: [{ reply: judged('high', ['suicide_plan', 'made_up_label']) }],
      script: [{ reply: '[happy] 出去走走挺好的！' }],
    });
    const turn = world.turn({ message: HARMLESS });
    const reply = await runChatTurn(turn);
    const { responseTemplate } = turn.settings.safety.crisis;
    expect(reply.content).toBe(responseTemplate);
    expect(reply.content).not.toContain('出去走走挺好的');
    expect(reply.safety?.level).toBe('high');
    expect(reply.safety?.resources.length).toBeGreaterThan(0);
    const stored = world.store.document(key)?.messages.at(-1);
    expect(stored).toMatchObject({
      content: responseTemplate,
      safety_level: 'high',
      emotion_source: 'template',
    });
    // The operator sees the judge's known labels, never the words nor an invented label.
    const flagged = world.logs.find((line) => line.includes('safety.flagged'));
    expect(flagged).toContain('"categories":"judge,suicide_plan"');
    expect(world.logs.join('\n')).not.toContain('天气');
    expect(world.logs.join('\n')).not.toContain('made_up_label');
  });

  it('titles a new session neutrally when it flags the first message, as the screen does', async () => {
    const world = fakeWorld({ judge: [{ reply: judged('high', ['suicide_plan']) }] });
    await runChatTurn(world.turn({ message: HARMLESS }));
    const stored = world.store.document(key);
    expect(stored).toMatchObject({ title: '新的对话', last_message_preview: '新的消息' });
    expect(JSON.stringify({ title: stored?.title, preview: stored?.last_message_preview })).not.toContain(
      '天气',
    );
  });

  it('keeps the level the rules found when it says none', async () => {
    const world = fakeWorld({ judge: [{ reply: judged('none', ['suicide_discussion']) }] });
    const reply = await runChatTurn(world.turn({ message: RULES_MEDIUM }));
    expect(reply.safety?.level).toBe('medium');
    expect(world.store.document(key)?.messages.at(-1)?.safety_level).toBe('medium');
  });

  it('attaches the care card and flags the turn when it says medium', async () => {
    const world = fakeWorld({ judge: [{ reply: judged('medium', ['passive_suicidal_ideation']) }] });
    const reply = await runChatTurn(world.turn({ message: HARMLESS }));
    expect(reply.safety?.level).toBe('medium');
    expect(reply.content).toBe('很高兴听你说。');
    expect(world.store.document(key)?.messages.at(-1)?.safety_level).toBe('medium');
    expect(world.logs.some((line) => line.includes('safety.flagged') && line.includes('judge'))).toBe(true);
  });

  it('counts its tokens with the reply’s', async () => {
    const world = fakeWorld({
      judge: [{ reply: judged('none'), tokens: 40 }],
      script: [{ reply: '[happy] 好。', tokens: 50 }],
    });
    await runChatTurn(world.turn({ message: HARMLESS }));
    expect(world.usage.tokens).toBe(90);
  });

  it('fails open at its own deadline: the reply goes out after 3 s, unflagged', async () => {
    const world = fakeWorld({ judge: [{ hang: true }], script: [{ reply: '[happy] 好。', spendMs: 500 }] });
    const reply = await runChatTurn(world.turn({ message: HARMLESS }));
    expect(reply.content).toBe('好。');
    expect(reply.safety).toBeUndefined();
    expect(world.timers.now()).toBe(3_000);
    expect(world.model.judgeAttempts[0]?.signal.aborted).toBe(true);
    expect(
      world.logs.some((line) => line.includes('crisis_judge.failed') && line.includes('LLM_TIMEOUT')),
    ).toBe(true);
  });

  it('never waits past the model’s deadline, whatever its own setting', async () => {
    const world = fakeWorld({ judge: [{ hang: true }], script: [{ reply: '[happy] 好。', spendMs: 500 }] });
    world.crisisCare.judge.timeoutMs = 120_000;
    const turn = world.turn({ message: HARMLESS });
    await runChatTurn(turn);
    expect(world.timers.now()).toBe(turn.budget.modelDeadlineAt);
  });

  it('fails open on garbage: the other layers stand', async () => {
    const world = fakeWorld({
      judge: [{ reply: '这条消息看起来没有风险。' }, { reply: '{"risk":"maybe"}' }],
    });
    expect((await runChatTurn(world.turn({ message: HARMLESS }))).safety).toBeUndefined();
    expect((await runChatTurn(world.turn({ message: RULES_MEDIUM }))).safety?.level).toBe('medium');
    expect(world.logs.filter((line) => line.includes('crisis_judge.unreadable'))).toHaveLength(2);
  });

  it('fails open on a provider error, logging its code only', async () => {
    const world = fakeWorld({ judge: [{ fail: new AppError('LLM_UPSTREAM_ERROR', 'provider said: 天气') }] });
    const reply = await runChatTurn(world.turn({ message: HARMLESS }));
    expect(reply.content).toBe('很高兴听你说。');
    expect(reply.safety).toBeUndefined();
    const failed = world.logs.find((line) => line.includes('crisis_judge.failed'));
    expect(failed).toContain('LLM_UPSTREAM_ERROR');
    expect(world.logs.join('\n')).not.toContain('天气');
  });

  it('brings the hotlines and counts its tokens when the reply call fails', async () => {
    const down = new AppError('LLM_UPSTREAM_ERROR', 'down', { retryable: false });
    const world = fakeWorld({
      judge: [{ reply: judged('medium', ['self_harm_ideation']), tokens: 40 }],
      script: [{ fail: down }],
    });
    const error = await failureOf(runChatTurn(world.turn({ message: HARMLESS })));
    expect(error.code).toBe('LLM_UPSTREAM_ERROR');
    expect(error.toBody().safety).toMatchObject({ level: 'medium' });
    expect(world.usage.tokens).toBe(40);
  });

  it('answers with the fixed reply, stored, when it says high and the reply call fails', async () => {
    const down = new AppError('LLM_UPSTREAM_ERROR', 'down', { retryable: false });
    const world = fakeWorld({
      judge: [{ reply: judged('high', ['suicide_plan']), tokens: 40 }],
      script: [{ fail: down }],
    });
    const reply = await runChatTurn(world.turn({ message: HARMLESS }));
    expect(reply.safety?.level).toBe('high');
    expect(reply.content).toContain('12356');
    const stored = await world.store.getSession(key, {});
    expect(stored?.messages.at(-1)).toMatchObject({ role: 'agent', safety_level: 'high' });
    expect(stored?.messages.at(-2)).toMatchObject({ role: 'user', status: 'complete' });
    expect(world.usage.tokens).toBe(40);
  });

  it('goes to the fallback provider with the reply when the primary fails retryably', async () => {
    const outage = new AppError('LLM_UNAVAILABLE', 'down', { retryable: true });
    const world = fakeWorld({
      judge: [{ fail: outage }],
      script: [{ fail: outage }],
      fallback: [{ reply: '[happy] 真好。' }],
      fallbackJudge: [{ reply: judged('high', ['suicide_plan']) }],
    });
    world.crisisCare.judge.model = 'cheap-judge';
    const reply = await runChatTurn(world.turn({ message: HARMLESS }));
    expect(reply.safety?.level).toBe('high');
    expect(reply.content).not.toContain('真好');
    // The primary's cheap model is not a model of the fallback provider.
    expect(world.fallback?.judgeAttempts[0]?.model).toBeUndefined();
    expect(world.logs.some((line) => line.includes('crisis_judge.failover'))).toBe(true);
  });

  it('does not go to the fallback after a timeout or a refusal that will not change', async () => {
    const refused = new AppError('LLM_UPSTREAM_ERROR', 'bad request', { retryable: false });
    const world = fakeWorld({
      judge: [{ fail: refused }],
      fallback: [{ reply: '[happy] 真好。' }],
      fallbackJudge: [{ reply: judged('high') }],
    });
    const reply = await runChatTurn(world.turn({ message: HARMLESS }));
    expect(reply.safety).toBeUndefined();
    expect(world.fallback?.judgeAttempts).toHaveLength(0);
  });

  it('is not asked when the screen already answered high, nor when it is off', async () => {
    const on = fakeWorld({ judge: [] });
    expect((await runChatTurn(on.turn({ message: '我想自杀' }))).safety?.level).toBe('high');
    expect(on.model.judgeAttempts).toHaveLength(0);

    const off = fakeWorld();
    const turn = off.turn({ message: HARMLESS });
    await runChatTurn(turn);
    expect(off.model.judgeAttempts).toHaveLength(0);
    expect(turn.crisisJudgement).toBeUndefined();
  });
});

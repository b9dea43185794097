/**
 * The context within its budget over one long session: the real pipeline (runChatTurn) on the fake
 * ports and virtual time of tests/chat, a person's messages from the load run's set, replies of 60–150
 * characters, summaries of about 250 characters that are ready by the commit. Reports the context sent
 * per turn against CONTEXT_TOKEN_BUDGET and the extra model calls per 100 turns for summaries and for
 * the title and memory proposals (the user's memory on; and a second run with it off: titles only).
 */
import { runChatTurn } from '../../shared/chat/run-chat-turn.js';
import { fakeWorld } from '../../tests/chat/fake-turn-ports.js';

export async function measureContext(
  messages: readonly string[],
  options: { turns: number; tokenBudget: number },
) {
  const on = await measureSession(messages, { ...options, memory: true });
  const off = await measureSession(messages, {
    ...options,
    turns: Math.min(options.turns, 100),
    memory: false,
  });
  return { ...on, proposal_calls_memory_off_per_100_turns: off.proposal_calls_per_100_turns };
}

async function measureSession(
  messages: readonly string[],
  options: { turns: number; tokenBudget: number; memory: boolean },
) {
  const world = fakeWorld();
  if (options.memory) await world.memory.store.setEnabled('user_a', true, new Date(0).toISOString());
  world.tokenBudget = options.tokenBudget;
  world.limits.messagesPerMinute = 0;
  world.limits.messagesPerDay = 0;
  world.limits.tokensPerDay = 0;
  const sizes: number[] = [];
  const turnsSent: number[] = [];
  for (let index = 0; index < options.turns; index += 1) {
    const message = messages[index % messages.length] ?? '你好';
    world.model.script.push({ reply: `[caring] ${'我听见了你说的这些。'.repeat(6 + (index % 10))}` });
    world.model.proposalScript.push({
      reply: JSON.stringify({ title: '最近的烦恼', memory: [`第${index}轮：散步对她有帮助`] }),
    });
    world.model.summaryScript.push({
      reply: JSON.stringify({
        summary: `第${index}轮摘要：${'她在经历困难，散步和倾诉有帮助。'.repeat(15)}`,
      }),
    });
    const turn = world.turn({ message });
    await runChatTurn(turn);
    sizes.push(turn.context?.tokens ?? 0);
    turnsSent.push(((turn.context?.messages.length ?? 2) - 2) / 2);
  }
  const sorted = [...sizes].sort((left, right) => left - right);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
  const summaryCalls = world.model.summaryAttempts.length;
  const proposalCalls = world.model.proposalAttempts.length;
  const perHundred = (calls: number) => Math.round((calls / options.turns) * 1000) / 10;
  return {
    turns: options.turns,
    token_budget: options.tokenBudget,
    context_tokens_p50: at(0.5),
    context_tokens_p95: at(0.95),
    context_tokens_max: sorted.at(-1) ?? 0,
    over_budget_turns: sizes.filter((size) => size > options.tokenBudget).length,
    turns_sent_p50: [...turnsSent].sort((left, right) => left - right)[Math.floor(turnsSent.length / 2)] ?? 0,
    summary_calls: summaryCalls,
    summary_calls_per_100_turns: perHundred(summaryCalls),
    summaries_stored: world.logs.filter((line) => line.includes('"event":"summary.done"')).length,
    proposal_calls: proposalCalls,
    proposal_calls_per_100_turns: perHundred(proposalCalls),
    memory_items_stored: world.memory.texts('user_a').length,
  };
}

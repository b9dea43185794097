import { packContext } from '../../context/pack-context.js';
import type { TurnContext } from '../turn-context.js';

/**
 * What the model reads, within CONTEXT_TOKEN_BUDGET (pack-context.ts): the persona with the crisis
 * guidance when a risk was found, the user's memory, the session's summary, then the newest answered
 * turns (or a new session's seed) that fit, and the new message. What falls out is summarised beside the
 * reply call (start-summary.ts).
 */
export function buildContext(turn: TurnContext): void {
  // Built already, early, for the side calls of a stored session (start-side-calls.ts).
  if (turn.context !== undefined) return;
  const { prompt, safety, context } = turn.settings;
  const systemPrompt = needsCrisisGuidance(turn)
    ? `${prompt.systemPrompt}\n\n${safety.crisis.guidance}`
    : prompt.systemPrompt;
  const stored = turn.session;
  const history =
    (stored?.message_count ?? 0) > 0 ? (stored?.messages ?? []) : (turn.words?.seedMessages ?? []);
  turn.context = packContext({
    systemPrompt,
    memory: turn.memory,
    summary: stored?.rolling_summary,
    stored: history,
    newMessage: turn.request.message,
    tokenBudget: context.tokenBudget,
    readLimit: context.readLimit,
  });
  turn.modelMessages = turn.context.messages;
}

function needsCrisisGuidance(turn: TurnContext): boolean {
  return turn.crisis.level === 'medium';
}

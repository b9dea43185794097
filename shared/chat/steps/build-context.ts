import { buildModelMessages } from '../../prompt/build-model-messages.js';
import type { TurnContext } from '../turn-context.js';

/**
 * What the model reads: the persona, the crisis guidance when a risk was found, the session's answered
 * turns (or a new session's seed), and the new message.
 */
export function buildContext(turn: TurnContext): void {
  const { prompt, safety, limits } = turn.settings;
  const systemPrompt =
    turn.crisis.level === 'medium'
      ? `${prompt.systemPrompt}\n\n${safety.crisis.guidance}`
      : prompt.systemPrompt;
  const stored = turn.session;
  const history =
    (stored?.message_count ?? 0) > 0 ? (stored?.messages ?? []) : (turn.words?.seedMessages ?? []);
  turn.modelMessages = buildModelMessages({
    systemPrompt,
    history,
    newMessage: turn.request.message,
    maxHistoryMessages: limits.contextMaxMessages,
  });
}

import { screenCrisisRisk } from '../../safety/screen-crisis-risk.js';
import { answerCrisis } from '../answer-crisis.js';
import type { TurnContext } from '../turn-context.js';

/**
 * The message with the user's recent words: the stored ones, or for a new session the client's seed,
 * which reaches the model too. Context only raises a level (see screen-crisis-risk.ts).
 */
export async function screenCrisisInContext(turn: TurnContext): Promise<void> {
  const stored = turn.session?.messages ?? [];
  const recentUserMessages =
    stored.length > 0
      ? stored.filter((message) => message.role === 'user').map((message) => message.content)
      : turn.request.history.filter((item) => item.role === 'user').map((item) => item.content);
  // With no earlier words the message alone decides, and it was screened already (screen-crisis-alone).
  const inContext =
    recentUserMessages.length === 0
      ? turn.crisis
      : screenCrisisRisk({ message: turn.request.message, recentUserMessages }, turn.settings.safety.crisis);
  // A new session's seed is screened on the turn that stores it: words of risk in it bring care (the
  // guidance and the hotlines) even to a calm message, which the context rule alone would leave unflagged.
  const screen =
    inContext.level === 'none' && stored.length === 0 && seedShowsRisk(turn, recentUserMessages)
      ? { level: 'medium' as const, categories: ['seeded_history'] }
      : inContext;
  if (screen.level === 'none') return;
  turn.crisis = screen;
  if (screen.level === 'high') {
    turn.result = await answerCrisis(turn);
    return;
  }
  turn.logger.warn('safety.flagged', { level: screen.level, categories: screen.categories.join(',') });
}

function seedShowsRisk(turn: TurnContext, seeded: readonly string[]): boolean {
  return seeded.some(
    (message) =>
      screenCrisisRisk({ message, recentUserMessages: [] }, turn.settings.safety.crisis).level !== 'none',
  );
}

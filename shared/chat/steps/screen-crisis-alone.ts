import { screenCrisisRisk } from '../../safety/screen-crisis-risk.js';
import { answerCrisis } from '../answer-crisis.js';
import type { TurnContext } from '../turn-context.js';

/**
 * The message alone, before anything is read: it needs nothing stored, so no slow or failing storage
 * can delay the hotlines for a person at high risk.
 */
export async function screenCrisisAlone(turn: TurnContext): Promise<void> {
  const screen = screenCrisisRisk(
    { message: turn.request.message, recentUserMessages: [] },
    turn.settings.safety.crisis,
  );
  turn.crisis = screen;
  if (screen.level === 'high') turn.result = await answerCrisis(turn);
}

import type { CrisisScreen } from '../../safety/screen-crisis-risk.js';
import type { TurnContext } from '../turn-context.js';

/** The category of care carried over from an earlier flagged turn (layer 5). */
export const CARRIED_CATEGORY = 'carried_over';

/** Care this turn has only because an earlier turn was flagged: its reply is stored `safety_carried`. */
export function isCarriedCare(screen: CrisisScreen): boolean {
  return (
    screen.level === 'medium' && screen.categories.length === 1 && screen.categories[0] === CARRIED_CATEGORY
  );
}

/**
 * Layer 5: once a turn of the session was flagged (medium or high, by any layer), the next
 * CRISIS_CALM_TURNS answered turns keep the guidance in the prompt and the hotlines on the reply, even
 * when their own words are calm. Read from the replies the turn already has (their `safety_level`), so
 * it costs no storage request; a carried reply is marked so it does not extend the care by itself.
 */
export function carryCrisisCare(turn: TurnContext): void {
  const { calmTurns } = turn.settings.crisisCare;
  if (calmTurns === 0 || turn.crisis.level !== 'none') return;
  const replies = (turn.session?.messages ?? []).filter((message) => message.role === 'agent');
  let calmSince = 0;
  for (let index = replies.length - 1; index >= 0 && calmSince < calmTurns; index -= 1) {
    const reply = replies[index];
    if (reply?.safety_level !== undefined && reply.safety_carried !== true) {
      turn.crisis = { level: 'medium', categories: [CARRIED_CATEGORY] };
      turn.logger.info('safety.carried', { calm_turns: calmSince });
      return;
    }
    calmSince += 1;
  }
}

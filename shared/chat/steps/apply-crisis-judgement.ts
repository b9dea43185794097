import { JUDGE_CATEGORY } from '../../safety/crisis-judge.js';
import { LEVEL_RANK } from '../../safety/screen-crisis-risk.js';
import type { TurnContext } from '../turn-context.js';
import { isCarriedCare } from './carry-crisis-care.js';

/**
 * The judge's verdict, once the reply is made: it can only raise the level. `high` has commit-reply
 * store the counsellors' fixed reply in place of the model's, which is never shown; `medium` attaches
 * the hotlines and flags the turn. A judge that failed or was not asked changes nothing.
 */
export async function applyCrisisJudgement(turn: TurnContext): Promise<void> {
  const judged = await turn.crisisJudgement;
  if (judged === undefined || judged.level === 'none') return;
  const current = turn.crisis;
  const carried = isCarriedCare(current);
  // A risk the judge sees in this very message flags the turn on its own, even over care carried from
  // an earlier turn at the same level: the calm turns start counting again.
  if (LEVEL_RANK[judged.level] < LEVEL_RANK[current.level]) return;
  if (LEVEL_RANK[judged.level] === LEVEL_RANK[current.level] && !carried) return;
  const earlier = carried ? [] : current.categories;
  turn.crisis = {
    level: judged.level,
    categories: [...new Set([...earlier, JUDGE_CATEGORY, ...judged.categories])].sort(),
  };
  turn.logger.warn('safety.flagged', {
    level: turn.crisis.level,
    categories: turn.crisis.categories.join(','),
  });
}

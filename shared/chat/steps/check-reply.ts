import { contentBlocked } from '../chat-reply.js';
import { checkText } from '../check-text.js';
import type { TurnContext } from '../turn-context.js';

/**
 * Content security on the reply before anyone sees it. A blocked reply fails the turn, not the user's
 * words: a resend asks the model again. The check leaves the final write half of the reserve.
 */
export async function checkReply(turn: TurnContext): Promise<void> {
  // The judge put the counsellors' fixed reply in place of the model's: that text needs no check.
  if (turn.crisis.level === 'high') return;
  const { budget } = turn;
  const deadlineAt = budget.turnDeadlineAt - (budget.turnDeadlineAt - budget.modelDeadlineAt) / 2;
  turn.replyCheck = await checkText(turn, turn.labelled?.content ?? '', 'reply', deadlineAt);
  if (turn.replyCheck.outcome === 'blocked') throw contentBlocked('reply');
}

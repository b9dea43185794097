import { contentBlocked } from '../chat-reply.js';
import { checkText } from '../check-text.js';
import type { TurnContext } from '../turn-context.js';

/**
 * Content security on the message, beside the write of its words (run-chat-turn.ts: a replay of that
 * write wins, at the cost of one check). A blocked message stays stored as `blocked`, out of every later
 * context; a check that cannot be done (fail-closed) leaves the turn failed, open to a resend.
 */
export async function checkMessage(turn: TurnContext): Promise<void> {
  const content = turn.words?.question.content ?? turn.request.message;
  turn.messageCheck = await checkText(turn, content, 'message', turn.budget.modelDeadlineAt);
  if (turn.messageCheck.outcome === 'blocked') {
    turn.messageBlocked = true;
    throw contentBlocked('message');
  }
}

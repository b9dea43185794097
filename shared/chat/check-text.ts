import { type ContentDecision, screenContent } from './screen-content.js';
import type { TurnContext } from './turn-context.js';

/** Content security on one text of the turn; a WeChat check that would outlast `deadlineAt` is cut. */
export async function checkText(
  turn: TurnContext,
  text: string,
  direction: 'message' | 'reply',
  deadlineAt: number,
): Promise<ContentDecision> {
  const { signal, release } = turn.budget.abortAt(deadlineAt);
  try {
    return await screenContent(text, {
      openid: turn.request.userId,
      direction,
      screening: turn.settings.safety.content,
      logger: turn.logger,
      signal,
    });
  } finally {
    release();
  }
}

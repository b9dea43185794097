import { AppError } from '../../errors/app-error.js';
import { turnStatusOf } from '../../storage/session-turns.js';
import type { TurnContext } from '../turn-context.js';

/**
 * Session size and the user's limits, before anything is stored. A resend of a message the session
 * already answered or is answering needs no model call of its own, so it replays (or waits) whatever the
 * limits say, even in a full session; a resend of a failed turn asks the model again, and counts.
 */
export function checkLimits(turn: TurnContext): void {
  const clientId = turn.request.clientMsgId;
  const messages = turn.session?.messages ?? [];
  const question =
    clientId === undefined
      ? undefined
      : messages.find((message) => message.role === 'user' && message.client_msg_id === clientId);
  const earlier = question && {
    question,
    reply: messages.find((message) => message.role === 'agent' && message.reply_to === question.message_id),
  };
  const needsModel = earlier === undefined || turnStatusOf(earlier) === 'failed';
  if (
    earlier === undefined &&
    (turn.session?.message_count ?? 0) + 2 > turn.settings.limits.maxSessionMessages
  ) {
    throw new AppError('SESSION_FULL', '这个对话已经很长了，开始一个新的对话继续聊吧。(Session is full)', {
      retryable: false,
    });
  }
  if (needsModel && turn.usage.kind === 'refused') {
    turn.logger.info('usage.limited', { code: turn.usage.error.code });
    throw turn.usage.error;
  }
}

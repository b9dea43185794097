import { AppError } from '../errors/app-error.js';
import type { CrisisResource } from '../safety/screen-crisis-risk.js';
import type { StoredMessage } from '../storage/session-document.js';
import type { StoredTurn } from '../storage/session-store.js';
import type { ChatSafety } from './chat-safety.js';
import type { TurnContext } from './turn-context.js';

export interface ChatReply {
  message_id: string;
  content: string;
  emotion: string;
  timestamp: string;
  session_id: string;
  /** The stored user message this reply answers, and the id the client sent with it (or the server's). */
  user_message_id: string;
  client_msg_id: string;
  /** Every reply is AI-generated content, which the mini-program must mark as such (GB 45438-2025). */
  ai_generated: true;
  /** Present when the crisis screen found a risk: the level and the hotlines to show with the reply. */
  safety?: { level: 'medium' | 'high'; resources: CrisisResource[] };
}

export function toChatReply(
  turn: StoredTurn & { reply: StoredMessage },
  sessionId: string,
  options: { safety: ChatSafety; aiLabelText?: string | undefined },
): ChatReply {
  const level = turn.reply.safety_level;
  return {
    message_id: turn.reply.message_id,
    content:
      options.aiLabelText === undefined || turn.reply.emotion_source === 'template'
        ? turn.reply.content
        : `${turn.reply.content}\n\n${options.aiLabelText}`,
    emotion: turn.reply.emotion ?? 'neutral',
    timestamp: turn.reply.timestamp,
    session_id: sessionId,
    user_message_id: turn.question.message_id,
    client_msg_id: turn.question.client_msg_id ?? turn.question.message_id,
    ai_generated: true,
    ...(level === undefined ? {} : { safety: { level, resources: options.safety.crisis.resources } }),
  };
}

/** The fixed, human-written reply to a high crisis risk, stored like any reply, with its prompt version. */
export function crisisReply(
  question: StoredMessage,
  turn: Pick<TurnContext, 'ids' | 'clock' | 'settings'>,
): StoredMessage {
  return {
    message_id: turn.ids(),
    role: 'agent',
    content: turn.settings.safety.crisis.responseTemplate,
    timestamp: turn.clock().toISOString(),
    emotion: 'caring',
    emotion_source: 'template',
    reply_to: question.message_id,
    safety_level: 'high',
    prompt_version: turn.settings.context.promptVersion,
  };
}

export function contentBlocked(direction: 'message' | 'reply'): AppError {
  return direction === 'message'
    ? new AppError(
        'CONTENT_BLOCKED',
        '这条消息里有小怪兽没法接住的内容，换一种说法和我聊聊好吗？(The message did not pass the content check)',
        { retryable: false },
      )
    : new AppError(
        'CONTENT_BLOCKED',
        '小怪兽刚才的回答没能通过内容检查，再发一次，我换个方式回答你。(The reply did not pass the content check)',
        { retryable: true },
      );
}

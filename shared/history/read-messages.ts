import type { StoredMessage, TurnStatus } from '../storage/session-document.js';
import type { SessionStore } from '../storage/session-store.js';
import type { HistoryRequest } from './parse-history-request.js';

type MessagesRequest = Extract<HistoryRequest, { action: 'messages' }> & { userId: string };

export interface HistoryMessage {
  message_id: string;
  role: 'user' | 'agent';
  content: string;
  timestamp: string;
  emotion?: string;
  /**
   * On user messages: the state of the turn. `failed` and `pending` let the client offer to send it again
   * (with the same `client_msg_id`, which completes the turn instead of storing it twice).
   */
  status?: TurnStatus;
  /** On a failed or blocked user message: why, as an error code. */
  error_code?: string;
  /** On user messages: the client's id for it. */
  client_msg_id?: string;
  /** On agent messages: always true, the service's replies are AI-generated content. */
  ai_generated?: true;
  /** On agent messages: the user message it answers. */
  reply_to?: string;
  /** On agent messages the service wrote: the version of the prompt texts it was made with. */
  prompt_version?: string;
  /** On agent messages the user rated (the `feedback` action). */
  feedback?: { rating: 'up' | 'down'; reason?: string };
}

export interface HistoryReply {
  session_id: string;
  messages: HistoryMessage[];
  /** True when older messages exist; ask again with `before` = the first message's id. */
  has_more: boolean;
}

/**
 * A session's messages, oldest first. A session this user does not have (never created, or another
 * user's) answers the same as an empty one, so ids cannot be probed.
 */
export async function readMessages(
  request: Pick<MessagesRequest, 'userId' | 'sessionId' | 'limit' | 'before'>,
  dependencies: { store: SessionStore; config?: { aiLabelText: string | undefined } },
): Promise<HistoryReply> {
  const session = await dependencies.store.getSession({
    userId: request.userId,
    sessionId: request.sessionId,
  });
  const all = session?.messages ?? [];
  const answered = new Set(
    all.flatMap((message) => (message.reply_to === undefined ? [] : [message.reply_to])),
  );
  const end =
    request.before === undefined
      ? all.length
      : all.findIndex((message) => message.message_id === request.before);
  const upTo = end === -1 ? 0 : end;
  const start = Math.max(0, upTo - request.limit);
  return {
    session_id: request.sessionId,
    messages: all
      .slice(start, upTo)
      .map((message) => toHistoryMessage(message, answered, dependencies.config?.aiLabelText)),
    has_more: start > 0,
  };
}

function toHistoryMessage(
  message: StoredMessage,
  answered: ReadonlySet<string>,
  aiLabelText: string | undefined,
): HistoryMessage {
  const item: HistoryMessage = {
    message_id: message.message_id,
    role: message.role,
    content: message.content,
    timestamp: message.timestamp,
  };
  if (message.emotion !== undefined) item.emotion = message.emotion;
  if (message.role === 'user') {
    // A stored reply settles the turn even when the status write after it was lost.
    item.status = answered.has(message.message_id) ? 'complete' : (message.status ?? 'complete');
    if (message.client_msg_id !== undefined) item.client_msg_id = message.client_msg_id;
    if (item.status !== 'complete' && message.error_code !== undefined) item.error_code = message.error_code;
  }
  if (message.reply_to !== undefined) item.reply_to = message.reply_to;
  if (message.prompt_version !== undefined) item.prompt_version = message.prompt_version;
  if (message.role === 'agent' && message.feedback !== undefined) {
    const { rating, reason } = message.feedback;
    item.feedback = reason === undefined ? { rating } : { rating, reason };
  }
  if (message.role === 'agent') {
    // Replayed replies are marked as they were shown (GB 45438-2025): the flag on every reply of the
    // service, the visible label on those the model wrote (not the counsellors' fixed crisis reply).
    // A reply the client's own history seeded was not written here and is not claimed as ours.
    if (message.seeded !== true) item.ai_generated = true;
    if (aiLabelText !== undefined && message.seeded !== true && message.emotion_source !== 'template') {
      item.content = `${message.content}\n\n${aiLabelText}`;
    }
  }
  return item;
}

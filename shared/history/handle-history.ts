import type { StoredMessage } from '../storage/session-document.js';
import type { SessionStore } from '../storage/session-store.js';
import type { HistoryRequest } from './parse-history-request.js';

export interface HistoryMessage {
  message_id: string;
  role: 'user' | 'agent';
  content: string;
  timestamp: string;
  emotion?: string;
  /** Only on a user message whose reply failed: the client can mark it and offer to send it again. */
  status?: 'failed';
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
export async function handleHistory(
  request: HistoryRequest & { userId: string },
  dependencies: { store: SessionStore },
): Promise<HistoryReply> {
  const session = await dependencies.store.getSession({
    userId: request.userId,
    sessionId: request.sessionId,
  });
  const all = session?.messages ?? [];
  const end =
    request.before === undefined
      ? all.length
      : all.findIndex((message) => message.message_id === request.before);
  const upTo = end === -1 ? 0 : end;
  const start = Math.max(0, upTo - request.limit);
  return {
    session_id: request.sessionId,
    messages: all.slice(start, upTo).map(toHistoryMessage),
    has_more: start > 0,
  };
}

function toHistoryMessage(message: StoredMessage): HistoryMessage {
  const item: HistoryMessage = {
    message_id: message.message_id,
    role: message.role,
    content: message.content,
    timestamp: message.timestamp,
  };
  if (message.emotion !== undefined) item.emotion = message.emotion;
  if (message.status === 'failed') item.status = 'failed';
  return item;
}

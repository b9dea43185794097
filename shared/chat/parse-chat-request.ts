import * as z from 'zod/mini';
import type { Config } from '../config/load-config.js';
import { AppError, type ErrorCode } from '../errors/app-error.js';
import { idField, timestampField, toInputError } from '../validation/request-fields.js';
import { exceedsCharacters, hasVisibleText } from '../validation/visible-text.js';

export interface ChatRequest {
  userId: string | undefined;
  sessionId: string;
  message: string;
  timestamp: string | undefined;
  /** The client's id for this message, so a resend is recognised (idempotency key). */
  clientMsgId: string | undefined;
  history: { role: 'user' | 'agent'; content: string; timestamp: string | undefined }[];
}

const chatBodySchema = z.object({
  user_id: z.optional(idField),
  session_id: idField,
  message: z.string(),
  timestamp: z.optional(timestampField),
  client_msg_id: z.optional(idField),
  history: z.optional(
    z.array(
      z.object({
        role: z.enum(['user', 'agent']),
        content: z.string(),
        timestamp: z.optional(timestampField),
      }),
    ),
  ),
});

function codeForField(path: PropertyKey[]): ErrorCode {
  const top = path[0];
  if (top === 'user_id' || top === 'session_id' || top === 'client_msg_id') return 'INVALID_ID';
  if (top === 'timestamp' || (top === 'history' && path[2] === 'timestamp')) return 'INVALID_TIMESTAMP';
  return 'INVALID_INPUT';
}

/** Validates a chat request body (already parsed from JSON) against the configured limits. */
export function parseChatRequest(body: unknown, limits: Config['limits']): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('INVALID_INPUT', '请求内容必须是一个 JSON 对象。(Body must be a JSON object)', {
      field: 'body',
    });
  }
  const parsed = chatBodySchema.safeParse(body);
  if (!parsed.success) throw toInputError(parsed.error, body, codeForField);
  const { data } = parsed;

  if (!hasVisibleText(data.message)) {
    throw new AppError('MESSAGE_EMPTY', '消息不能为空，想说点什么都可以。(Message is empty)', {
      field: 'message',
    });
  }
  if (exceedsCharacters(data.message, limits.maxMessageChars)) {
    throw new AppError(
      'MESSAGE_TOO_LONG',
      `消息太长了，请控制在 ${limits.maxMessageChars} 字以内，可以分几次慢慢说。(Message too long)`,
      { field: 'message' },
    );
  }
  const history = data.history ?? [];
  if (history.length > limits.maxHistoryItems) {
    throw new AppError(
      'HISTORY_TOO_LONG',
      `历史记录最多 ${limits.maxHistoryItems} 条。(History has too many items)`,
      { field: 'history' },
    );
  }
  history.forEach((item, index) => {
    if (!hasVisibleText(item.content) || exceedsCharacters(item.content, limits.maxHistoryItemChars)) {
      throw new AppError(
        'INVALID_INPUT',
        `历史记录第 ${index + 1} 条的内容为空或太长。(Invalid history item)`,
        { field: `history.${index}.content` },
      );
    }
  });

  return {
    userId: data.user_id,
    sessionId: data.session_id,
    message: data.message,
    timestamp: data.timestamp,
    clientMsgId: data.client_msg_id,
    history: history.map((item) => ({ role: item.role, content: item.content, timestamp: item.timestamp })),
  };
}

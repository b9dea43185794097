import * as z from 'zod/mini';
import { AppError } from '../errors/app-error.js';
import { idField, toInputError } from '../validation/request-fields.js';

export interface HistoryRequest {
  userId: string | undefined;
  sessionId: string;
  /** At most this many messages, the most recent ones. */
  limit: number;
  /** Only messages before the one with this id, to page back through a long session. */
  before: string | undefined;
}

export const HISTORY_DEFAULT_LIMIT = 200;
export const HISTORY_MAX_LIMIT = 500;

const historyQuerySchema = z.object({
  user_id: z.optional(idField),
  session_id: idField,
  // Query strings carry numbers as text; the callFunction path sends real numbers.
  limit: z._default(
    z.coerce.number().check(z.refine(Number.isInteger), z.gte(1), z.lte(HISTORY_MAX_LIMIT)),
    HISTORY_DEFAULT_LIMIT,
  ),
  before: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
});

export function parseHistoryRequest(query: unknown): HistoryRequest {
  if (typeof query !== 'object' || query === null || Array.isArray(query)) {
    throw new AppError('INVALID_INPUT', '请求内容必须是一个 JSON 对象。(Body must be a JSON object)', {
      field: 'body',
    });
  }
  const parsed = historyQuerySchema.safeParse(query);
  if (!parsed.success) {
    throw toInputError(parsed.error, query, (path) =>
      path[0] === 'user_id' || path[0] === 'session_id' ? 'INVALID_ID' : 'INVALID_INPUT',
    );
  }
  return {
    userId: parsed.data.user_id,
    sessionId: parsed.data.session_id,
    limit: parsed.data.limit,
    before: parsed.data.before,
  };
}

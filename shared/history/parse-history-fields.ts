import type * as z from 'zod/mini';
import { AppError } from '../errors/app-error.js';
import { toInputError } from '../validation/request-fields.js';

export function asObject(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AppError('INVALID_INPUT', '请求内容必须是一个 JSON 对象。(Body must be a JSON object)', {
      field: 'body',
    });
  }
  return raw as Record<string, unknown>;
}

const idFields: ReadonlySet<PropertyKey> = new Set(['user_id', 'session_id', 'cursor', 'id', 'message_id']);

export function parseFields<Schema extends z.ZodMiniType>(
  schema: Schema,
  body: Record<string, unknown>,
): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw toInputError(parsed.error, body, (path) =>
      path[0] !== undefined && idFields.has(path[0]) ? 'INVALID_ID' : 'INVALID_INPUT',
    );
  }
  return parsed.data;
}

import * as z from 'zod/mini';
import { AppError } from '../errors/app-error.js';
import { idPattern } from '../storage/session-document.js';
import { idField, toInputError } from '../validation/request-fields.js';
import {
  type MemoryRequest,
  parseMemoryRequest,
  parseSessionNoteRequest,
  type SessionNoteRequest,
} from './parse-memory-request.js';

/**
 * The `history` function's requests, one shape per `action` (default `messages`), as plain data:
 * handle-history.ts dispatches on `action`. Adding an action is a schema here and a case there.
 */

/** Where an export page starts: after a whole session, or inside one at a message offset. */
export type ExportCursor =
  | { kind: 'after_session'; sessionId: string }
  | { kind: 'in_session'; sessionId: string; messageOffset: number };

/** `userId` is the body's `user_id`: only used off the platform, where there is no trusted identity. */
export type HistoryRequest =
  | {
      action: 'messages';
      userId: string | undefined;
      sessionId: string;
      /** At most this many messages, the most recent ones. */
      limit: number;
      /** Only messages before the one with this id, to page back through a long session. */
      before: string | undefined;
    }
  | { action: 'labels'; userId: string | undefined }
  | { action: 'sessions'; userId: string | undefined; limit: number }
  | { action: 'export'; userId: string | undefined; cursor: ExportCursor | undefined }
  | { action: 'delete_session'; userId: string | undefined; sessionId: string }
  | { action: 'delete_all'; userId: string | undefined }
  | MemoryRequest
  | SessionNoteRequest;

export type HistoryActionName = HistoryRequest['action'];
type HttpMethod = 'GET' | 'POST';

/**
 * The one method each action takes over HTTP access: GET for reads, POST for deletions, so a link, a
 * prefetch or a crawler can never delete anything. `wx.cloud.callFunction` has no method.
 */
const HTTP_METHODS: Record<HistoryActionName, HttpMethod> = {
  labels: 'GET',
  messages: 'GET',
  sessions: 'GET',
  export: 'GET',
  delete_session: 'POST',
  delete_all: 'POST',
  memory: 'GET',
  memory_settings: 'POST',
  memory_add: 'POST',
  memory_update: 'POST',
  memory_delete: 'POST',
  memory_clear: 'POST',
  rename_session: 'POST',
  feedback: 'POST',
};

export const HISTORY_DEFAULT_LIMIT = 200;
export const HISTORY_MAX_LIMIT = 500;
export const SESSIONS_DEFAULT_LIMIT = 100;
/** The text `delete_all` needs in `confirm`, so a stray or replayed call cannot wipe a user's data. */
export const DELETE_ALL_CONFIRMATION = 'DELETE_ALL';

// Query strings carry numbers as text; the callFunction path sends real numbers.
const countField = (max: number, fallback: number) =>
  z._default(z.coerce.number().check(z.refine(Number.isInteger), z.gte(1), z.lte(max)), fallback);

/** `SESSION_ID` (after that session) or `SESSION_ID:OFFSET` (inside it, from that message on). */
const exportCursorPattern = new RegExp(`^(${idPattern.source.slice(1, -1)})(?::(\\d{1,7}))?$`);

const messagesSchema = z.object({
  user_id: z.optional(idField),
  session_id: idField,
  limit: countField(HISTORY_MAX_LIMIT, HISTORY_DEFAULT_LIMIT),
  before: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
});
const sessionsSchema = z.object({
  user_id: z.optional(idField),
  limit: countField(SESSIONS_DEFAULT_LIMIT, SESSIONS_DEFAULT_LIMIT),
});
const userOnlySchema = z.object({ user_id: z.optional(idField) });
const exportSchema = z.object({
  user_id: z.optional(idField),
  cursor: z.optional(z.string().check(z.regex(exportCursorPattern))),
});
const deleteSessionSchema = z.object({ user_id: z.optional(idField), session_id: idField });
const deleteAllSchema = z.object({ user_id: z.optional(idField), confirm: z.optional(z.unknown()) });

/** Validates a history request: the action first, then that action's own fields. */
export function parseHistoryRequest(raw: unknown): HistoryRequest {
  const body = asObject(raw);
  const action = actionName(body);
  switch (action) {
    case 'messages': {
      const fields = parseFields(messagesSchema, body);
      const { user_id: userId, session_id: sessionId, limit, before } = fields;
      return { action, userId, sessionId, limit, before };
    }
    case 'labels':
      return { action, userId: parseFields(userOnlySchema, body).user_id };
    case 'sessions': {
      const { user_id: userId, limit } = parseFields(sessionsSchema, body);
      return { action, userId, limit };
    }
    case 'export': {
      const { user_id: userId, cursor } = parseFields(exportSchema, body);
      return { action, userId, cursor: cursor === undefined ? undefined : toExportCursor(cursor) };
    }
    case 'delete_session': {
      const { user_id: userId, session_id: sessionId } = parseFields(deleteSessionSchema, body);
      return { action, userId, sessionId };
    }
    case 'delete_all': {
      const { user_id: userId, confirm } = parseFields(deleteAllSchema, body);
      if (confirm !== DELETE_ALL_CONFIRMATION) {
        throw new AppError(
          'CONFIRMATION_REQUIRED',
          `删除全部对话需要确认：请带上 confirm: "${DELETE_ALL_CONFIRMATION}"。(Confirmation required)`,
          { field: 'confirm' },
        );
      }
      return { action, userId };
    }
    case 'memory':
    case 'memory_settings':
    case 'memory_add':
    case 'memory_update':
    case 'memory_delete':
    case 'memory_clear':
      return parseMemoryRequest(action, body);
    case 'rename_session':
    case 'feedback':
      return parseSessionNoteRequest(action, body);
  }
}

/** Renders a cursor the way `parseHistoryRequest` reads it back. */
export function formatExportCursor(cursor: ExportCursor): string {
  return cursor.kind === 'after_session' ? cursor.sessionId : `${cursor.sessionId}:${cursor.messageOffset}`;
}

function toExportCursor(text: string): ExportCursor {
  const [, sessionId = '', offset] = exportCursorPattern.exec(text) ?? [];
  return offset === undefined
    ? { kind: 'after_session', sessionId }
    : { kind: 'in_session', sessionId, messageOffset: Number(offset) };
}

/**
 * The HTTP method the request's action takes, read before anything else is validated, so a deletion
 * sent by GET is refused as such; undefined when the action is not valid (parsing then says why).
 */
export function httpMethodForHistory(raw: unknown): HttpMethod | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { action = 'messages' } = raw as Record<string, unknown>;
  return isActionName(action) ? HTTP_METHODS[action] : undefined;
}

function actionName(body: Record<string, unknown>): HistoryActionName {
  // Only an absent action is the default; `null` or any other value is refused.
  const { action = 'messages' } = body;
  if (isActionName(action)) return action;
  throw new AppError(
    'INVALID_INPUT',
    `操作 (action) 不支持，可选：${Object.keys(HTTP_METHODS).join('、')}。(Invalid field: action)`,
    { field: 'action' },
  );
}

function isActionName(value: unknown): value is HistoryActionName {
  return typeof value === 'string' && Object.hasOwn(HTTP_METHODS, value);
}

function asObject(raw: unknown): Record<string, unknown> {
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

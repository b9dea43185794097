import * as z from 'zod/mini';
import { AppError } from '../errors/app-error.js';
import { idField } from '../validation/request-fields.js';
import { exportCursorPattern, toExportCursor } from './export-cursor.js';
import type { HistoryRequest } from './history-request.js';
import { asObject, parseFields } from './parse-history-fields.js';
import { parseMemoryRequest, parseSessionNoteRequest } from './parse-memory-request.js';
import { actionName } from './read-history-action.js';

export { type ExportCursor, formatExportCursor } from './export-cursor.js';
export type { HistoryActionName, HistoryRequest } from './history-request.js';
export { httpMethodForHistory } from './read-history-action.js';

export const HISTORY_DEFAULT_LIMIT = 200;
export const HISTORY_MAX_LIMIT = 500;
export const SESSIONS_DEFAULT_LIMIT = 100;
/** The text `delete_all` needs in `confirm`, so a stray or replayed call cannot wipe a user's data. */
export const DELETE_ALL_CONFIRMATION = 'DELETE_ALL';

// Query strings carry numbers as text; the callFunction path sends real numbers.
const countField = (max: number, fallback: number) =>
  z._default(z.coerce.number().check(z.refine(Number.isInteger), z.gte(1), z.lte(max)), fallback);

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

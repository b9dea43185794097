import * as z from 'zod/mini';
import { MEMORY_ITEM_MAX_CHARS } from '../memory/memory-document.js';
import { FEEDBACK_REASON_MAX_CHARS, TITLE_MAX_CHARS } from '../storage/session-overview.js';
import { idField } from '../validation/request-fields.js';
import { checkShortText } from '../validation/short-text.js';
import { parseFields } from './parse-history-fields.js';

/**
 * The history actions on the user's memory (知己档案, docs/memory.md) and on a session's title and
 * feedback. Texts are checked here (TEXT_EMPTY, TEXT_TOO_LONG), so nothing is stored from bad input.
 */

type UserId = string | undefined;

export type MemoryRequest =
  | { action: 'memory'; userId: UserId }
  | { action: 'memory_settings'; userId: UserId; enabled: boolean }
  | { action: 'memory_add'; userId: UserId; text: string }
  | { action: 'memory_update'; userId: UserId; id: string; text: string }
  | { action: 'memory_delete'; userId: UserId; id: string }
  | { action: 'memory_clear'; userId: UserId };

export type SessionNoteRequest =
  | { action: 'rename_session'; userId: UserId; sessionId: string; title: string }
  | {
      action: 'feedback';
      userId: UserId;
      messageId: string;
      rating: 'up' | 'down';
      reason: string | undefined;
    };

const userId = z.optional(idField);
// Any string: its length is checked as a person counts it (checkShortText), within the request's size limit.
const textField = z.string();

const userOnlySchema = z.object({ user_id: userId });
const settingsSchema = z.object({ user_id: userId, enabled: z.boolean() });
const addSchema = z.object({ user_id: userId, text: textField });
const updateSchema = z.object({ user_id: userId, id: idField, text: textField });
const deleteSchema = z.object({ user_id: userId, id: idField });
const renameSchema = z.object({ user_id: userId, session_id: idField, title: textField });
const feedbackSchema = z.object({
  user_id: userId,
  message_id: idField,
  rating: z.enum(['up', 'down']),
  reason: z.optional(textField),
});

export function parseMemoryRequest(
  action: MemoryRequest['action'],
  body: Record<string, unknown>,
): MemoryRequest {
  switch (action) {
    case 'memory':
    case 'memory_clear':
      return { action, userId: parseFields(userOnlySchema, body).user_id };
    case 'memory_settings': {
      const { user_id, enabled } = parseFields(settingsSchema, body);
      return { action, userId: user_id, enabled };
    }
    case 'memory_add': {
      const { user_id, text } = parseFields(addSchema, body);
      return { action, userId: user_id, text: memoryText(text) };
    }
    case 'memory_update': {
      const { user_id, id, text } = parseFields(updateSchema, body);
      return { action, userId: user_id, id, text: memoryText(text) };
    }
    case 'memory_delete': {
      const { user_id, id } = parseFields(deleteSchema, body);
      return { action, userId: user_id, id };
    }
  }
}

export function parseSessionNoteRequest(
  action: SessionNoteRequest['action'],
  body: Record<string, unknown>,
): SessionNoteRequest {
  if (action === 'rename_session') {
    const { user_id, session_id, title } = parseFields(renameSchema, body);
    return {
      action,
      userId: user_id,
      sessionId: session_id,
      title: checkShortText(title, 'title', TITLE_MAX_CHARS),
    };
  }
  const { user_id, message_id, rating, reason } = parseFields(feedbackSchema, body);
  return {
    action,
    userId: user_id,
    messageId: message_id,
    rating,
    // An empty reason is no reason.
    reason:
      reason === undefined || reason.trim() === ''
        ? undefined
        : checkShortText(reason, 'reason', FEEDBACK_REASON_MAX_CHARS),
  };
}

function memoryText(text: string): string {
  return checkShortText(text, 'text', MEMORY_ITEM_MAX_CHARS);
}

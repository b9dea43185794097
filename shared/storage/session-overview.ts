import * as z from 'zod/mini';
import { firstCharacters } from '../validation/short-text.js';
import type { StoredMessage } from './session-document.js';

/**
 * What a session list shows of a session (title, last message, last expression) and the user's
 * feedback on replies, kept on the session document. The title and the last message change in the
 * writes a turn makes anyway (the session's creation, the question's append, the reply's append), so
 * keeping them costs a chat turn no request.
 */

/** Most characters of a title the user or the model sets. */
export const TITLE_MAX_CHARS = 30;
/** Characters of the first message a session is titled by until it gets a title of its own. */
export const DEFAULT_TITLE_CHARS = 16;
/** Characters of the last message a session list shows. */
export const PREVIEW_CHARS = 40;
/** What the session list shows instead of words the crisis screen flagged (a title, a preview). */
export const NEUTRAL_TITLE = '新的对话';
export const NEUTRAL_PREVIEW = '新的消息';
/** Most characters of the reason given with feedback. */
export const FEEDBACK_REASON_MAX_CHARS = 200;

/**
 * Who set the title: `message` (the first words of the first message), `model` (proposed from the
 * first exchange), `user` (rename_session; never overwritten by the model).
 */
export const titleSourceSchema = z.enum(['message', 'model', 'user']);
export type TitleSource = z.infer<typeof titleSourceSchema>;

export const feedbackSchema = z.object({
  rating: z.enum(['up', 'down']),
  reason: z.optional(z.string()),
  created_at: z.string(),
});
export type Feedback = z.infer<typeof feedbackSchema>;

export function feedbackKey(messageId: string): string {
  return `f_${messageId}`;
}

/** The title a session starts with: the first words of its first user message (else its first message). */
export function defaultTitle(messages: readonly StoredMessage[]): string | undefined {
  const first = messages.find((message) => message.role === 'user') ?? messages[0];
  return first === undefined ? undefined : firstCharacters(first.content, DEFAULT_TITLE_CHARS);
}

/** A reply to a flagged turn (it has a `safety_level`) is previewed neutrally, as its question is. */
export function previewOf(message: StoredMessage): string {
  if (message.safety_level !== undefined) return NEUTRAL_PREVIEW;
  return firstCharacters(message.content, PREVIEW_CHARS);
}

/** The fields a reply's append also sets: the preview, and the expression when the reply has one. */
export function overviewAfterReply(reply: StoredMessage): {
  last_message_preview: string;
  last_emotion?: string;
} {
  return reply.emotion === undefined
    ? { last_message_preview: previewOf(reply) }
    : { last_message_preview: previewOf(reply), last_emotion: reply.emotion };
}

/** Whether a title of `source` may replace one of `current`: the model never replaces the user's. */
export function mayRetitle(current: TitleSource | undefined, source: 'user' | 'model'): boolean {
  return source === 'user' || current !== 'user';
}

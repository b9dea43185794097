import { AppError } from '../errors/app-error.js';
import { firstCharacters } from '../validation/short-text.js';
import { hasVisibleText } from '../validation/visible-text.js';
import {
  type Feedback,
  feedbackKey,
  mayRetitle,
  TITLE_MAX_CHARS,
  type TitleSource,
} from './session-overview.js';
import { isKeyableId, type SessionRecord } from './session-record.js';
import type { FeedbackInput, FeedbackResult } from './session-store.js';
import type { RecordChange } from './turn-rules-on-record.js';

/**
 * What the user (and later the model) adds to a session besides its turns, as rules on a whole record:
 * the local adapter applies them under the file's lock; the CloudBase adapter sends the same rule as a
 * conditional update and uses these to read the answer when the update changed nothing.
 */

/**
 * The title as stored: the user's was checked at the request; the model's is cut to the length and
 * dropped (undefined) when it shows nothing, since the model is not trusted to follow instructions.
 */
export function storableTitle(title: string, source: 'user' | 'model'): string | undefined {
  const line = title.replace(/\s+/gu, ' ').trim();
  if (!hasVisibleText(line)) return undefined;
  return source === 'model' ? firstCharacters(line, TITLE_MAX_CHARS) : line;
}

/** True when the session now has this title from this source; the model never replaces the user's title. */
export function retitleOn(
  record: SessionRecord | undefined,
  title: string,
  source: 'user' | 'model',
): RecordChange<boolean> {
  if (record === undefined || !mayRetitle(record.title_source, source))
    return { change: undefined, value: false };
  if (record.title === title && record.title_source === source) return { change: undefined, value: true };
  const titleSource: TitleSource = source;
  return { change: { ...record, title, title_source: titleSource }, value: true };
}

/** Whether the message is in the record, and whose it is. */
export function messageRoleIn(record: SessionRecord, messageId: string): 'user' | 'agent' | undefined {
  return record.messages.find((message) => message.message_id === messageId)?.role;
}

export function feedbackOf(input: FeedbackInput): Feedback {
  const feedback: Feedback = { rating: input.rating, created_at: input.now };
  if (input.reason !== undefined) feedback.reason = input.reason;
  return feedback;
}

/** Stores the rating of a reply in the record (replacing an earlier rating of it). */
export function feedbackOn(
  record: SessionRecord | undefined,
  input: FeedbackInput,
): RecordChange<FeedbackResult> {
  const role = record && messageRoleIn(record, input.messageId);
  if (record === undefined || role === undefined)
    return { change: undefined, value: { status: 'not_found' } };
  if (role !== 'agent') return { change: undefined, value: { status: 'not_a_reply' } };
  const feedback = { ...record.feedback, [feedbackKey(input.messageId)]: feedbackOf(input) };
  return { change: { ...record, feedback }, value: { status: 'stored', sessionId: record.session_id } };
}

/** Message ids become keys of the feedback map: only ids of the id pattern are looked up at all. */
export function assertFeedbackMessageId(messageId: string): void {
  if (!isKeyableId(messageId)) {
    throw new AppError('INVALID_ID', 'message_id 格式不正确。', { field: 'message_id' });
  }
}

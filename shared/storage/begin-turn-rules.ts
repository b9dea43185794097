import { turnOf } from './find-turn-in-record.js';
import { SESSION_SCHEMA_VERSION, type StoredMessage } from './session-document.js';
import { defaultTitle, NEUTRAL_PREVIEW, NEUTRAL_TITLE, previewOf } from './session-overview.js';
import { clientKey, type SessionRecord, storedQuestion, type TurnState, turnKey } from './session-record.js';
import type { BeginTurnInput, BeginTurnResult } from './session-store.js';
import { assertKeyable } from './storage-guards.js';

/** A new turn appended to an existing session, unless its client id is already there. */
export interface Append {
  question: StoredMessage;
  messageId: string;
  clientKey: string;
  state: TurnState;
  /** The session list's last message, set in the same write. */
  preview: string;
}

export function appendOf(input: BeginTurnInput): Append {
  const { question } = input;
  const clientId = question.client_msg_id ?? question.message_id;
  assertKeyable(question.message_id, 'message_id');
  assertKeyable(clientId, 'client_msg_id');
  return {
    question: storedQuestion({ ...question, client_msg_id: clientId }),
    messageId: question.message_id,
    clientKey: clientKey(clientId),
    preview: input.flagged === true ? NEUTRAL_PREVIEW : previewOf(question),
    state: {
      attempt_id: question.attempt_id ?? '',
      attempt_at: question.attempt_at ?? input.now,
      attempts: question.attempts ?? 1,
      status: question.status ?? 'pending',
    },
  };
}

/**
 * The session a first turn creates: the client's history, then the question; titled by the first words
 * of its first user message (neutrally when the question is flagged) until the model or the user gives
 * it a title.
 */
export function newRecord(input: BeginTurnInput): SessionRecord {
  const append = appendOf(input);
  const messages = [...input.seedMessages, append.question];
  const record: SessionRecord = {
    schema_version: SESSION_SCHEMA_VERSION,
    user_id: input.key.userId,
    session_id: input.key.sessionId,
    created_at: input.now,
    updated_at: input.now,
    message_count: messages.length,
    last_message_preview: append.preview,
    messages,
    turns: { [turnKey(append.messageId)]: append.state },
    client_msg_ids: { [append.clientKey]: append.messageId },
  };
  const title = input.flagged === true ? NEUTRAL_TITLE : defaultTitle(messages);
  return title === undefined ? record : { ...record, title, title_source: 'message' };
}

export function applyAppend(record: SessionRecord, append: Append, now: string): SessionRecord | undefined {
  if (record.client_msg_ids[append.clientKey] !== undefined) return undefined;
  return {
    ...record,
    updated_at: now,
    last_message_preview: append.preview,
    message_count: record.message_count + 1,
    messages: [...record.messages, append.question],
    turns: { ...record.turns, [turnKey(append.messageId)]: append.state },
    client_msg_ids: { ...record.client_msg_ids, [append.clientKey]: append.messageId },
  };
}

/** The answer to a begin whose append did not apply; undefined when the append should be tried again. */
export function settleBegin(record: SessionRecord, append: Append): BeginTurnResult | undefined {
  const storedId = record.client_msg_ids[append.clientKey];
  if (storedId === undefined) return undefined;
  // The same message id means this very call already landed once (a repeated write).
  if (storedId === append.messageId) return { started: true };
  const existing = turnOf(record, storedId);
  return existing === undefined ? undefined : { started: false, existing };
}

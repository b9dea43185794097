import { AppError } from '../errors/app-error.js';
import { SESSION_SCHEMA_VERSION, type StoredMessage, type TurnStatus } from './session-document.js';
import {
  defaultTitle,
  NEUTRAL_PREVIEW,
  NEUTRAL_TITLE,
  overviewAfterReply,
  previewOf,
} from './session-overview.js';
import {
  clientKey,
  isKeyableId,
  presentMessage,
  type SessionRecord,
  storedQuestion,
  type TurnState,
  turnKey,
} from './session-record.js';
import type {
  BeginTurnInput,
  BeginTurnResult,
  ClaimTurnInput,
  FinishTurnInput,
  SessionChanges,
  StoredTurn,
} from './session-store.js';

/**
 * The turn rules, written once. Each write is described as data (`TurnWrite`, `Append`): the local
 * adapter checks and applies it to the record under the file's lock; the CloudBase adapter sends the
 * same description as one conditional update. When a write does not apply, both read the record and
 * ask `settle…` what the call's answer is (a repeat of a write that landed, a lost race, a refusal).
 */

/** The state of a stored turn: a reply settles it as complete whatever the status field says. */
export function turnStatusOf(turn: StoredTurn): TurnStatus {
  if (turn.reply !== undefined) return 'complete';
  return turn.question.status ?? 'complete';
}

/** A change to one turn's entry, allowed only while the turn is owned by `attemptId` in one of `statuses`. */
export interface TurnWrite {
  messageId: string;
  attemptId: string;
  statuses: readonly TurnStatus[];
  set: Partial<TurnState>;
  removeErrorCode: boolean;
  countAttempt: boolean;
  /** A reply appended to the messages in the same write. */
  append: StoredMessage | undefined;
  /** Session fields set in the same write (a rolling summary). */
  session: SessionChanges | undefined;
}

/** A new turn appended to an existing session, unless its client id is already there. */
export interface Append {
  question: StoredMessage;
  messageId: string;
  clientKey: string;
  state: TurnState;
  /** The session list's last message, set in the same write. */
  preview: string;
}

export function findTurnIn(record: SessionRecord, clientMessageId: string): StoredTurn | undefined {
  const messageId = record.client_msg_ids[clientKey(clientMessageId)];
  return messageId === undefined ? undefined : turnOf(record, messageId);
}

function turnOf(record: SessionRecord, messageId: string): StoredTurn | undefined {
  const question = record.messages.find(
    (message) => message.role === 'user' && message.message_id === messageId,
  );
  if (question === undefined) return undefined;
  const replyId = record.turns[turnKey(messageId)]?.reply_id;
  const reply = record.messages.find(
    (message) =>
      message.role === 'agent' &&
      (replyId === undefined ? message.reply_to === messageId : message.message_id === replyId),
  );
  return { question: presentMessage(question, record), reply };
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

/** A failed or abandoned turn handed to a new attempt. */
export function claimWrite(input: ClaimTurnInput): TurnWrite {
  assertKeyable(input.messageId, 'message_id');
  return {
    messageId: input.messageId,
    attemptId: input.previousAttemptId,
    statuses: ['pending', 'failed'],
    set: { status: 'pending', attempt_id: input.attemptId, attempt_at: input.now },
    removeErrorCode: true,
    countAttempt: true,
    append: undefined,
    session: undefined,
  };
}

/** True when the claim already landed: the unanswered turn is this attempt's. */
export function settleClaim(record: SessionRecord | undefined, input: ClaimTurnInput): boolean {
  const state = record?.turns[turnKey(input.messageId)];
  return state !== undefined && state.status !== 'complete' && state.attempt_id === input.attemptId;
}

/** The turn's outcome; a reply is appended in the same write that marks the turn complete. */
export function finishWrite(input: FinishTurnInput): TurnWrite {
  assertKeyable(input.messageId, 'message_id');
  const { outcome } = input;
  return {
    messageId: input.messageId,
    attemptId: input.attemptId,
    statuses: ['pending'],
    set:
      outcome.status === 'complete'
        ? { status: 'complete', reply_id: outcome.reply.message_id }
        : { status: outcome.status, error_code: outcome.errorCode },
    removeErrorCode: false,
    countAttempt: false,
    append: outcome.status === 'complete' ? outcome.reply : undefined,
    session: input.sessionChanges,
  };
}

/** True when the outcome is already stored (a repeat of a write that landed). */
export function settleFinish(record: SessionRecord | undefined, input: FinishTurnInput): boolean {
  const state = record?.turns[turnKey(input.messageId)];
  if (state === undefined) return false;
  const { outcome } = input;
  if (outcome.status === 'complete') return state.reply_id === outcome.reply.message_id;
  return state.attempt_id === input.attemptId && state.status === outcome.status;
}

export function applyTurnWrite(
  record: SessionRecord,
  write: TurnWrite,
  now: string,
): SessionRecord | undefined {
  const key = turnKey(write.messageId);
  const state = record.turns[key];
  if (state === undefined || state.attempt_id !== write.attemptId || !write.statuses.includes(state.status)) {
    return undefined;
  }
  const next: TurnState = { ...state, ...write.set };
  if (write.removeErrorCode) delete next.error_code;
  if (write.countAttempt) next.attempts = state.attempts + 1;
  const changed: SessionRecord = {
    ...record,
    ...write.session,
    updated_at: now,
    turns: { ...record.turns, [key]: next },
  };
  if (write.append === undefined) return changed;
  return {
    ...changed,
    ...overviewAfterReply(write.append),
    message_count: record.message_count + 1,
    messages: [...record.messages, write.append],
  };
}

/** Ids become field names of the maps; the service's own ids always match the id pattern. */
function assertKeyable(id: string, field: string): void {
  if (!isKeyableId(id)) throw new AppError('INVALID_ID', `${field} 格式不正确。`, { field });
}

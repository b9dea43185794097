import type { StoredMessage, TurnStatus } from './session-document.js';
import { overviewAfterReply } from './session-overview.js';
import { type SessionRecord, type TurnState, turnKey } from './session-record.js';
import type { ClaimTurnInput, FinishTurnInput, SessionChanges } from './session-store.js';
import { assertKeyable } from './storage-guards.js';

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

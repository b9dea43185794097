import {
  SESSION_SCHEMA_VERSION,
  type SessionDocument,
  type StoredMessage,
  type TurnStatus,
} from './session-document.js';
import type {
  BeginTurnInput,
  BeginTurnResult,
  ClaimTurnInput,
  FinishTurnInput,
  StoredTurn,
} from './session-store.js';

/**
 * The turn rules on a whole document, shared by the local adapter (which rewrites the file) and the
 * CloudBase adapter (which checks, after a conditional update changed nothing, what the document holds).
 */

export function findTurnIn(
  messages: readonly StoredMessage[],
  matches: (question: StoredMessage) => boolean,
): StoredTurn | undefined {
  const question = messages.find((message) => message.role === 'user' && matches(message));
  if (question === undefined) return undefined;
  const reply = messages.find(
    (message) => message.role === 'agent' && message.reply_to === question.message_id,
  );
  return { question, reply };
}

/** The state of a stored turn: a reply settles it as complete whatever the status field says. */
export function turnStatusOf(turn: StoredTurn): TurnStatus {
  if (turn.reply !== undefined) return 'complete';
  return turn.question.status ?? 'complete';
}

type Change = { document: SessionDocument } | undefined;

export function beginTurnIn(
  document: SessionDocument | undefined,
  input: BeginTurnInput,
): { change: Change; result: BeginTurnResult } {
  const clientId = input.question.client_msg_id;
  if (document === undefined) {
    const messages = [...input.seedMessages, input.question];
    return {
      change: {
        document: {
          schema_version: SESSION_SCHEMA_VERSION,
          user_id: input.key.userId,
          session_id: input.key.sessionId,
          created_at: input.now,
          updated_at: input.now,
          message_count: messages.length,
          messages,
        },
      },
      result: { started: true },
    };
  }
  const existing =
    clientId === undefined
      ? undefined
      : findTurnIn(document.messages, (message) => message.client_msg_id === clientId);
  if (existing !== undefined) {
    // The same message id means this very call already landed once (a repeated write).
    if (existing.question.message_id === input.question.message_id)
      return { change: undefined, result: { started: true } };
    return { change: undefined, result: { started: false, existing } };
  }
  return {
    change: {
      document: {
        ...document,
        updated_at: input.now,
        message_count: document.message_count + 1,
        messages: [...document.messages, input.question],
      },
    },
    result: { started: true },
  };
}

export function claimTurnIn(
  document: SessionDocument | undefined,
  input: ClaimTurnInput,
): { change: Change; claimed: boolean } {
  const turn = document && findTurnIn(document.messages, (message) => message.message_id === input.messageId);
  if (document === undefined || turn === undefined || turn.reply !== undefined)
    return { change: undefined, claimed: false };
  if (turn.question.attempt_id === input.attemptId) return { change: undefined, claimed: true };
  const status = turn.question.status;
  if (turn.question.attempt_id !== input.previousAttemptId || (status !== 'pending' && status !== 'failed')) {
    return { change: undefined, claimed: false };
  }
  const { error_code: _previousError, ...question } = turn.question;
  const claimed: StoredMessage = {
    ...question,
    status: 'pending',
    attempt_id: input.attemptId,
    attempt_at: input.now,
    attempts: (question.attempts ?? 1) + 1,
  };
  return { change: { document: replaceMessage(document, claimed, input.now) }, claimed: true };
}

export function finishTurnIn(
  document: SessionDocument | undefined,
  input: FinishTurnInput,
): { change: Change; finished: boolean } {
  const turn = document && findTurnIn(document.messages, (message) => message.message_id === input.messageId);
  if (document === undefined || turn === undefined) return { change: undefined, finished: false };
  const { outcome } = input;
  if (outcome.status === 'complete') {
    if (turn.reply !== undefined)
      return { change: undefined, finished: turn.reply.message_id === outcome.reply.message_id };
  } else if (turn.question.attempt_id === input.attemptId && turn.question.status === outcome.status) {
    return { change: undefined, finished: true };
  }
  if (
    turn.reply !== undefined ||
    turn.question.attempt_id !== input.attemptId ||
    turn.question.status !== 'pending'
  ) {
    return { change: undefined, finished: false };
  }
  if (outcome.status === 'complete') {
    const updated = replaceMessage(document, { ...turn.question, status: 'complete' }, input.now);
    return {
      change: {
        document: {
          ...updated,
          message_count: updated.message_count + 1,
          messages: [...updated.messages, outcome.reply],
        },
      },
      finished: true,
    };
  }
  const question: StoredMessage = { ...turn.question, status: outcome.status, error_code: outcome.errorCode };
  return { change: { document: replaceMessage(document, question, input.now) }, finished: true };
}

function replaceMessage(document: SessionDocument, message: StoredMessage, now: string): SessionDocument {
  return {
    ...document,
    updated_at: now,
    messages: document.messages.map((stored) =>
      stored.message_id === message.message_id ? message : stored,
    ),
  };
}

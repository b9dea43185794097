import { AppError } from '../errors/app-error.js';
import type { StoredMessage } from '../storage/session-document.js';
import { NEUTRAL_TITLE } from '../storage/session-overview.js';
import { type ChatReply, crisisReply, toChatReply } from './chat-reply.js';
import type { TurnContext } from './turn-context.js';
import { beginTurnRecord, finishTurnRecord } from './turn-record.js';

/** How long a person at high risk may wait for the turn to be stored before the reply goes out anyway. */
const CRISIS_STORAGE_WAIT_MS = 3_000;

/**
 * A high crisis risk: the counsellors' fixed reply and every hotline, never the model, and before any
 * limit or session-size check. Storing the turn is tried for a few seconds, but a person in danger gets
 * the reply even when storage fails, stalls or the send is a duplicate: it is the same text whatever
 * happened.
 */
export async function answerCrisis(turn: TurnContext): Promise<ChatReply> {
  const { request, clock, ids, settings } = turn;
  turn.logger.warn('safety.flagged', { level: 'high', categories: turn.crisis.categories.join(',') });
  const deadlineAt = Math.min(turn.budget.now() + CRISIS_STORAGE_WAIT_MS, turn.budget.modelDeadlineAt);
  try {
    const begun = await beginTurnRecord(turn, deadlineAt);
    if (begun.kind === 'replay') return toChatReply(begun.turn, request.sessionId, settings);
    turn.words = begun.words;
    const reply = crisisReply(begun.words.question, turn);
    const stored = await finishTurnRecord(turn, begun.words, { status: 'complete', reply }, deadlineAt);
    if (stored !== undefined) return toChatReply(stored, request.sessionId, settings);
  } catch (error) {
    turn.logger.error('safety.crisis_reply_not_stored', {
      code: error instanceof AppError ? error.code : 'INTERNAL',
    });
  }
  const question: StoredMessage = {
    message_id: ids(),
    role: 'user',
    content: request.message,
    timestamp: request.timestamp ?? clock().toISOString(),
    ...(request.clientMsgId === undefined ? {} : { client_msg_id: request.clientMsgId }),
  };
  return toChatReply({ question, reply: crisisReply(question, turn) }, request.sessionId, settings);
}

/**
 * The crisis judge said `high` but the reply call failed: the fixed reply needs no model, so the person
 * gets it (stored as the turn's answer) instead of an error. Undefined when the words were not stored
 * or the turn is already settled, or the write failed: the caller then answers with the error and the
 * hotlines.
 */
export async function answerJudgedCrisis(turn: TurnContext): Promise<ChatReply | undefined> {
  const { words, settings } = turn;
  if (turn.crisis.level !== 'high' || words === undefined || words.settled) return undefined;
  turn.logger.warn('safety.flagged', { level: 'high', categories: turn.crisis.categories.join(',') });
  const reply = crisisReply(words.question, turn);
  // A new session's list entry does not show words flagged this late (commit-reply.ts does the same).
  if (turn.session === undefined)
    turn.sessionChanges = { ...turn.sessionChanges, title: NEUTRAL_TITLE, title_source: 'message' };
  try {
    const stored = await finishTurnRecord(turn, words, { status: 'complete', reply });
    return stored === undefined ? undefined : toChatReply(stored, turn.request.sessionId, settings);
  } catch (error) {
    turn.logger.error('safety.crisis_reply_not_stored', {
      code: error instanceof AppError ? error.code : 'INTERNAL',
    });
    return undefined;
  }
}

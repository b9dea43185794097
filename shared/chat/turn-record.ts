import { AppError } from '../errors/app-error.js';
import type { StoredMessage } from '../storage/session-document.js';
import type { StoredTurn, TurnOutcome } from '../storage/session-store.js';
import { resumeTurn } from './resume-turn.js';
import type { StoredWords, TurnContext } from './turn-context.js';
import { turnStorage } from './turn-storage.js';

/**
 * The idempotency protocol of a turn, kept out of the steps (as powertools' `makeIdempotent` keeps record
 * states out of the business function): `begin` stores the words as `pending` or finds the turn a resend
 * refers to, `finish` stores the outcome if this attempt still owns the turn. A pending turn left this
 * long after its attempt started belongs to a function that has ended, and may be taken over.
 */
const abandonAfterExtraMs = 10_000;

export type Begun = { kind: 'new'; words: StoredWords } | { kind: 'replay'; turn: AnsweredTurn };
export type AnsweredTurn = StoredTurn & { reply: StoredMessage };

/**
 * `deadlineAt` bounds every storage wait of the call: the model's deadline for an ordinary turn, a few
 * seconds when a person at high risk is waiting for the fixed reply.
 */
export async function beginTurnRecord(
  turn: TurnContext,
  deadlineAt = turn.budget.modelDeadlineAt,
): Promise<Begun> {
  const { request, clock, ids, key } = turn;
  const receivedAt = clock().toISOString();
  const sessionExisted = turn.session !== undefined;
  // The client's copy of the history only seeds a session that has nothing stored yet.
  const seedMessages: StoredMessage[] =
    (turn.session?.message_count ?? 0) > 0
      ? []
      : request.history.map((item) => ({
          message_id: ids(),
          role: item.role,
          content: item.content,
          timestamp: item.timestamp ?? receivedAt,
          seeded: true,
        }));
  const messageId = ids();
  const attemptId = ids();
  const question: StoredMessage = {
    message_id: messageId,
    role: 'user',
    content: request.message,
    timestamp: request.timestamp ?? receivedAt,
    status: 'pending',
    client_msg_id: request.clientMsgId ?? messageId,
    attempt_id: attemptId,
    attempt_at: receivedAt,
    attempts: 1,
  };
  const begun = await turnStorage(
    turn,
    () =>
      turn.ports.store.beginTurn({
        key,
        seedMessages,
        question,
        now: receivedAt,
        sessionExisted,
        // Known by now: the screens ran before the words are stored.
        flagged: turn.crisis.level !== 'none',
      }),
    deadlineAt,
  );
  if (begun.started) return { kind: 'new', words: { question, seedMessages, settled: false } };

  const resumed = await resumeTurn(begun.existing, {
    turn,
    attemptId,
    deadlineAt,
    // Read again on every poll: a resend that waits may see the first attempt pass the cutoff.
    abandonedBefore: () => clock().getTime() - turn.settings.limits.chatDeadlineMs - abandonAfterExtraMs,
  });
  if (resumed.kind === 'replay') {
    turn.logger.info('chat.replayed', { duration_ms: turn.budget.elapsedMs() });
    return resumed;
  }
  turn.logger.info('chat.retried', { attempts: (resumed.question.attempts ?? 1) + 1 });
  return { kind: 'new', words: { question: resumed.question, seedMessages: [], settled: false } };
}

/**
 * Stores the outcome of the turn this attempt owns, within the turn's deadline. Returns the stored turn
 * to answer with: this attempt's, or, when a newer attempt took the turn over and answered it, that one.
 */
export async function finishTurnRecord(
  turn: TurnContext,
  words: StoredWords,
  outcome: TurnOutcome,
  deadlineAt = turn.budget.turnDeadlineAt,
): Promise<AnsweredTurn | undefined> {
  const { question } = words;
  const finished = await turnStorage(
    turn,
    () =>
      turn.ports.store.finishTurn({
        key: turn.key,
        messageId: question.message_id,
        attemptId: question.attempt_id ?? '',
        outcome,
        now: turn.clock().toISOString(),
        sessionChanges: turn.sessionChanges,
      }),
    deadlineAt,
  );
  words.settled = true;
  if (finished) return outcome.status === 'complete' ? { question, reply: outcome.reply } : undefined;
  // Only a newer attempt takes a turn over; if it has answered, that answer is this send's too.
  const settled = await turnStorage(
    turn,
    () => turn.ports.store.findTurn(turn.key, question.client_msg_id ?? ''),
    deadlineAt,
  );
  if (settled?.reply !== undefined) return { question: settled.question, reply: settled.reply };
  if (outcome.status !== 'complete') return undefined;
  if (settled === undefined) {
    // The user deleted the session (or all their data) while the model was answering.
    throw new AppError(
      'NOT_FOUND',
      '这个对话已经删除了，这条回复没有保存。(The session was deleted during the turn)',
      {
        retryable: false,
      },
    );
  }
  throw new AppError('IDEMPOTENCY_IN_PROGRESS', '这条消息已在另一次发送中处理，请刷新看看。(Superseded)');
}

/**
 * A turn that failed after its words were stored: the words stay, marked failed (or blocked), so the
 * model never sees them as answered and a resend may take the turn over. Never throws: the user gets
 * the turn's own error, not this write's; or, when a newer attempt answered the turn meanwhile, its reply.
 */
export async function failTurnRecord(turn: TurnContext, error: unknown): Promise<AnsweredTurn | undefined> {
  const words = turn.words;
  if (words === undefined || words.settled) return undefined;
  const errorCode = error instanceof AppError ? error.code : 'INTERNAL';
  try {
    return await finishTurnRecord(turn, words, {
      status: turn.messageBlocked ? 'blocked' : 'failed',
      errorCode,
    });
  } catch (writeError) {
    turn.logger.warn('chat.failure_not_stored', {
      code: writeError instanceof AppError ? writeError.code : 'INTERNAL',
    });
    return undefined;
  }
}

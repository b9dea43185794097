import { AppError } from '../errors/app-error.js';
import type { StoredMessage } from '../storage/session-document.js';
import type { SessionStore, StoredTurn } from '../storage/session-store.js';
import { turnStatusOf } from '../storage/session-turns.js';
import { contentBlocked } from './chat-reply.js';

/** What to do with a send whose `client_msg_id` the session already holds. */
export type Resumption =
  | { kind: 'replay'; turn: StoredTurn & { reply: StoredMessage } }
  | { kind: 'continue'; question: StoredMessage };

export interface ResumeOptions {
  store: SessionStore;
  key: { userId: string; sessionId: string };
  message: string;
  attemptId: string;
  /** The stored turn is retried only when its attempt started before this (its function has ended). */
  abandonedBefore: () => number;
  /** How long a retry may wait for a running first attempt. */
  waitUntil: number;
  /** The monotonic time, for waiting. */
  now: () => number;
  /** The time to store, ISO 8601. */
  timestamp: () => string;
  storage: <T>(operation: () => Promise<T>) => Promise<T>;
}

const pollDelaysMs = [300, 600, 1_000, 1_500, 2_000];

function conflict(): AppError {
  return new AppError(
    'IDEMPOTENCY_CONFLICT',
    '这条消息的编号已经用在另一条内容上了，请刷新后重新发送。(client_msg_id was used for a different message)',
    { field: 'client_msg_id', retryable: false },
  );
}

function inProgress(retryAfterMs: number): AppError {
  return new AppError(
    'IDEMPOTENCY_IN_PROGRESS',
    '这条消息还在回复中，请稍等几秒再看看。(This message is still being answered)',
    { retryAfterMs },
  );
}

/**
 * A send seen before (a retry after a lost answer, a double tap): the stored reply when there is one, so
 * the model is never asked twice; a wait while the first attempt is still running; or, when that attempt
 * failed or was abandoned (its function timed out), a claim that hands the turn to this attempt. Modelled
 * on Stripe's idempotency keys: the same key with a different message is a conflict, never a new turn.
 */
export async function resumeTurn(initial: StoredTurn, options: ResumeOptions): Promise<Resumption> {
  let turn = initial;
  if (turn.question.content !== options.message) throw conflict();
  for (let poll = 0; ; poll += 1) {
    const status = turnStatusOf(turn);
    if (turn.reply !== undefined) return { kind: 'replay', turn: { ...turn, reply: turn.reply } };
    if (status === 'blocked') throw contentBlocked('message');
    const startedAt = Date.parse(turn.question.attempt_at ?? turn.question.timestamp);
    const abandoned = status === 'pending' && !(startedAt >= options.abandonedBefore());
    if (status === 'failed' || abandoned) {
      const question = turn.question;
      const claimed = await options.storage(() =>
        options.store.claimTurn({
          key: options.key,
          messageId: question.message_id,
          previousAttemptId: question.attempt_id ?? '',
          attemptId: options.attemptId,
          now: options.timestamp(),
        }),
      );
      if (claimed) return { kind: 'continue', question: { ...question, attempt_id: options.attemptId } };
    } else {
      const delayMs = pollDelaysMs[Math.min(poll, pollDelaysMs.length - 1)] ?? 2_000;
      if (options.now() + delayMs > options.waitUntil) throw inProgress(delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    const latest = await options.storage(() => options.store.findTurn(options.key, clientIdOf(turn)));
    if (latest === undefined) throw inProgress(1_000);
    turn = latest;
  }
}

function clientIdOf(turn: StoredTurn): string {
  return turn.question.client_msg_id ?? turn.question.message_id;
}

import { AppError } from '../errors/app-error.js';
import type { StoredMessage } from '../storage/session-document.js';
import type { StoredTurn } from '../storage/session-store.js';
import { turnStatusOf } from '../storage/session-turns.js';
import { contentBlocked } from './chat-reply.js';
import type { TurnContext } from './turn-context.js';
import { turnStorage } from './turn-storage.js';

/** What to do with a send whose `client_msg_id` the session already holds. */
export type Resumption =
  | { kind: 'replay'; turn: StoredTurn & { reply: StoredMessage } }
  | { kind: 'continue'; question: StoredMessage };

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
export async function resumeTurn(
  initial: StoredTurn,
  options: {
    turn: TurnContext;
    attemptId: string;
    /** Every storage wait and the polling end by then. */
    deadlineAt: number;
    /** The stored turn is retried only when its attempt started before this wall time (epoch ms). */
    abandonedBefore: () => number;
  },
): Promise<Resumption> {
  const { turn: context } = options;
  const { budget, ports, key } = context;
  let turn = initial;
  if (turn.question.content !== context.request.message) throw conflict();
  for (let poll = 0; ; poll += 1) {
    const status = turnStatusOf(turn);
    if (turn.reply !== undefined) return { kind: 'replay', turn: { ...turn, reply: turn.reply } };
    if (status === 'blocked') throw contentBlocked('message');
    const startedAt = Date.parse(turn.question.attempt_at ?? turn.question.timestamp);
    const abandoned = status === 'pending' && !(startedAt >= options.abandonedBefore());
    if (status === 'failed' || abandoned) {
      const question = turn.question;
      const claimed = await turnStorage(
        context,
        () =>
          ports.store.claimTurn({
            key,
            messageId: question.message_id,
            previousAttemptId: question.attempt_id ?? '',
            attemptId: options.attemptId,
            now: context.clock().toISOString(),
          }),
        options.deadlineAt,
      );
      if (claimed) return { kind: 'continue', question: { ...question, attempt_id: options.attemptId } };
    } else {
      const delayMs = pollDelaysMs[Math.min(poll, pollDelaysMs.length - 1)] ?? 2_000;
      if (budget.now() + delayMs > options.deadlineAt) throw inProgress(delayMs);
      await budget.sleep(delayMs);
    }
    const clientId = turn.question.client_msg_id ?? turn.question.message_id;
    const latest = await turnStorage(context, () => ports.store.findTurn(key, clientId), options.deadlineAt);
    if (latest === undefined) throw inProgress(1_000);
    turn = latest;
  }
}

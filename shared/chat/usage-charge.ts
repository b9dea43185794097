import { AppError } from '../errors/app-error.js';
import { enforceUsageLimits } from '../limits/enforce-usage-limits.js';
import { describeCause } from '../logging/logger.js';
import { closeSideCalls } from './side-call-results.js';
import type { TurnContext, UsageCharge } from './turn-context.js';

/** The longest the usage counters may hold a turn up; past it the turn goes on uncounted. */
const USAGE_WAIT_MS = 1_000;

function counterTimeout(): AppError {
  return new AppError('STORAGE_UNAVAILABLE', 'usage counters did not answer in time');
}

/**
 * Counts the message against the user's limits, beside the session read. Never rejects: whether a
 * refusal applies is decided once the session shows whether this send needs a model call at all, and
 * counters that cannot answer let the turn go on uncounted, so a person reaching out is not turned away
 * because a bookkeeping table is down.
 */
export async function chargeMessage(turn: TurnContext): Promise<UsageCharge> {
  const usage = turn.ports.usage;
  if (usage === undefined) return { kind: 'uncounted' };
  const { budget } = turn;
  // Bookkeeping gets a small share of the time, never the model's.
  const waitMs = Math.min(USAGE_WAIT_MS, (budget.modelDeadlineAt - budget.now()) / 4);
  try {
    await budget.within(
      enforceUsageLimits(usage.store, turn.request.userId, turn.clock(), usage.limits),
      budget.now() + waitMs,
      counterTimeout,
    );
    return { kind: 'counted' };
  } catch (error) {
    if (error instanceof AppError && (error.code === 'RATE_LIMITED' || error.code === 'QUOTA_EXCEEDED')) {
      return { kind: 'refused', error };
    }
    turn.logger.warn('usage.not_counted', { cause: describeCause(error) });
    return { kind: 'uncounted' };
  }
}

/**
 * A send that stored nothing new and asked no model, side calls included (a replay, a wait, a conflict, a refusal) gives its
 * count back. One whose words were stored keeps it even when the model was never asked (a blocked
 * message, a check that failed closed), so sending blocked messages in a loop is not free.
 */
export async function refundUnusedCharge(turn: TurnContext): Promise<void> {
  const usage = turn.ports.usage;
  // A side call started is a model call, even when the turn then turned out to be a resend.
  const askedModel = turn.modelCalls > 0 || turn.summaryCall !== undefined || turn.proposalCall !== undefined;
  if (usage === undefined || turn.usage.kind !== 'counted' || askedModel || turn.words !== undefined) return;
  turn.usage = { kind: 'uncounted' };
  await turn.budget
    .within(
      usage.store.refundMessage(turn.request.userId, turn.clock()),
      turn.budget.turnDeadlineAt,
      counterTimeout,
    )
    .catch((error: unknown) => turn.logger.warn('usage.not_refunded', { cause: describeCause(error) }));
}

/**
 * The model's tokens (the reply's, the crisis judge's and the side calls'), counted once the reply is
 * known; a slow counter never costs the user the answer. The side calls are closed here if the commit
 * did not (the turn failed): what they write is kept for the session's next turn.
 */
export async function recordTokens(turn: TurnContext): Promise<void> {
  const summaryTokens = closeSideCalls(turn).tokens;
  const usage = turn.ports.usage;
  const used = [turn.completion?.usage, turn.judgeUsage];
  if (usage === undefined || turn.tokensRecorded) return;
  if (used.every((part) => part === undefined) && summaryTokens === 0) return;
  turn.tokensRecorded = true;
  const tokens = used.reduce(
    (sum, part) => sum + (part?.promptTokens ?? 0) + (part?.completionTokens ?? 0),
    summaryTokens,
  );
  if (tokens <= 0) return;
  const { budget } = turn;
  await budget
    .within(
      usage.store.recordTokens(turn.request.userId, turn.clock(), tokens),
      Math.min(budget.now() + USAGE_WAIT_MS, budget.turnDeadlineAt),
      counterTimeout,
    )
    .catch((error: unknown) =>
      turn.logger.warn('usage.tokens_not_recorded', { cause: describeCause(error) }),
    );
}

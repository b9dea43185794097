import { AppError } from '../errors/app-error.js';
import { enforceUsageLimits, type UsageLimits } from '../limits/enforce-usage-limits.js';
import type { UsageStore } from '../limits/usage-store.js';
import { describeCause, type Logger } from '../logging/logger.js';
import { withinDeadline } from '../runtime/within-deadline.js';

/**
 * Counts the message against the user's limits; over a limit, the limit's 429 error goes to the user.
 * When the usage counters cannot be reached, or not within `waitMs`, the turn goes on uncounted (and logged): a
 * person reaching out should not be turned away because a bookkeeping table is down.
 */
export async function countUsage(
  usage: { store: UsageStore; limits: UsageLimits },
  userId: string,
  now: Date,
  logger: Logger,
  waitMs: number,
): Promise<void> {
  try {
    await withinDeadline(
      enforceUsageLimits(usage.store, userId, now, usage.limits),
      waitMs,
      () => new AppError('STORAGE_UNAVAILABLE', 'usage counters did not answer in time'),
    );
  } catch (error) {
    if (error instanceof AppError && (error.code === 'RATE_LIMITED' || error.code === 'QUOTA_EXCEEDED')) {
      logger.info('usage.limited', { code: error.code });
      throw error;
    }
    logger.warn('usage.not_counted', { cause: describeCause(error) });
  }
}

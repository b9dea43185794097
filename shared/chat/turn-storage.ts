import { describeCause } from '../logging/logger.js';
import { withStorageRetry } from '../storage/with-storage-retry.js';
import type { TurnContext } from './turn-context.js';

/**
 * A store call of this turn, retried while the deadline leaves room: before the model, within the model's
 * deadline (the reserve stays for the final write); the final write, within the turn's.
 */
export function turnStorage<T>(
  turn: TurnContext,
  operation: () => Promise<T>,
  deadlineAt = turn.budget.modelDeadlineAt,
): Promise<T> {
  return withStorageRetry(operation, {
    deadlineAt,
    timers: turn.budget.timers,
    onRetry: (attempt, error) => turn.logger.warn('storage.retry', { attempt, cause: describeCause(error) }),
  });
}

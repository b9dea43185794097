import { AppError } from '../errors/app-error.js';
import type { Timers } from '../runtime/timers.js';
import { withinDeadline } from '../runtime/within-deadline.js';

export function storageTimeout(): AppError {
  // The write may still land after we stop waiting, so the message does not claim it was lost.
  return new AppError(
    'STORAGE_UNAVAILABLE',
    '保存对话超时了，请稍后刷新看看，再决定是否重发。(Storage did not answer in time)',
  );
}

const firstDelayMs = 100;
const maxDelayMs = 1_000;
const maxAttempts = 4;

/**
 * Runs a storage call, retrying STORAGE_UNAVAILABLE (a dropped connection, a busy database) with backoff
 * while the deadline leaves room. Safe only because every store call may be repeated: its writes are
 * conditional, so a call that landed but timed out changes nothing the second time. Each try also races
 * the deadline: the SDK's own timeout is an idle-socket timeout, so a database answering byte by byte
 * would otherwise carry the turn past the function timeout.
 */
export async function withStorageRetry<T>(
  operation: () => Promise<T>,
  options: { deadlineAt: number; timers: Timers; onRetry?: (attempt: number, error: AppError) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await withinDeadline(
        options.timers,
        operation(),
        options.deadlineAt - options.timers.now(),
        storageTimeout,
      );
    } catch (error) {
      const retryable = error instanceof AppError && error.code === 'STORAGE_UNAVAILABLE';
      const delayMs = Math.min(firstDelayMs * 3 ** (attempt - 1), maxDelayMs);
      // A retry is only worth it when it has time to get an answer, not just to be sent.
      if (!retryable || attempt >= maxAttempts || options.deadlineAt - options.timers.now() < delayMs * 3)
        throw error;
      options.onRetry?.(attempt, error);
      await options.timers.sleep(delayMs);
    }
  }
}

import type { Timers } from '../runtime/timers.js';
import { withinDeadline } from '../runtime/within-deadline.js';

/**
 * The time of one turn. The model gets `chatDeadlineMs` minus the storage reserve, which is kept for the
 * final write; everything else waits within one of the two deadlines. All on injected timers.
 */
export interface TurnBudget {
  readonly timers: Timers;
  readonly startedAt: number;
  /** The whole turn, its final write included, ends by then (monotonic ms). */
  readonly turnDeadlineAt: number;
  /** The model, and everything before it, ends by then. */
  readonly modelDeadlineAt: number;
  now(): number;
  elapsedMs(): number;
  sleep(ms: number): Promise<void>;
  /** `work`, or `onTimeout()` at `deadlineAt`, whichever comes first. */
  within<T>(work: Promise<T>, deadlineAt: number, onTimeout: () => Error, onExpire?: () => void): Promise<T>;
  /** A signal aborted at `deadlineAt`, and the function that releases its timer. */
  abortAt(deadlineAt: number): { signal: AbortSignal; release: () => void };
}

export function createTurnBudget(
  timers: Timers,
  limits: { chatDeadlineMs: number; storageReserveMs: number },
): TurnBudget {
  const startedAt = timers.now();
  const turnDeadlineAt = startedAt + limits.chatDeadlineMs;
  return {
    timers,
    startedAt,
    turnDeadlineAt,
    modelDeadlineAt: turnDeadlineAt - limits.storageReserveMs,
    now: () => timers.now(),
    elapsedMs: () => Math.round(timers.now() - startedAt),
    sleep: (ms) => timers.sleep(ms),
    within: (work, deadlineAt, onTimeout, onExpire) =>
      withinDeadline(timers, work, deadlineAt - timers.now(), onTimeout, onExpire),
    abortAt(deadlineAt) {
      const controller = new AbortController();
      const release = timers.schedule(Math.max(1, deadlineAt - timers.now()), () => controller.abort());
      return { signal: controller.signal, release };
    },
  };
}

import type { Timers } from './timers.js';

/**
 * Settles with `work`, or rejects with `onTimeout()` once `timeoutMs` has passed, whichever is first.
 * The work is not cancelled (`onExpire` may abort it); the caller just stops waiting, which is what keeps
 * a turn inside the function's timeout when a dependency stalls or trickles its answer.
 */
export async function withinDeadline<T>(
  timers: Timers,
  work: Promise<T>,
  timeoutMs: number,
  onTimeout: () => Error,
  onExpire?: () => void,
): Promise<T> {
  let cancel: (() => void) | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    cancel = timers.schedule(Math.max(0, timeoutMs), () => {
      onExpire?.();
      reject(onTimeout());
    });
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    cancel?.();
  }
}

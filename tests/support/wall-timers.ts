import type { Timers } from '../../shared/runtime/timers.js';

/**
 * Real timers on the wall clock, for tests that compare deadlines with `Date.now()` around a real
 * server. The pipeline's own tests use virtual time (virtual-timers.ts).
 */
export const wallTimers: Timers = {
  now: () => Date.now(),
  schedule(ms, callback) {
    const timer = setTimeout(callback, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

import type { Timers } from './timers.js';

/** Real time, for the functions and the local server; tests pass virtual timers instead. */
export const systemTimers: Timers = {
  now: () => performance.now(),
  schedule(ms, callback) {
    const timer = setTimeout(callback, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

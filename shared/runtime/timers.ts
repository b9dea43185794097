/**
 * The time a turn runs on: a monotonic clock, a one-shot timer and a sleep. Injected everywhere in the
 * core (as vercel/ai injects `fetch`), so every deadline, wait and retry has a fast unit test on virtual
 * time; only `system-timers.ts`, at the platform's edge, reads the real clock.
 */
export interface Timers {
  /** Monotonic milliseconds: deadlines never follow a wall clock that jumps. */
  now(): number;
  /** Calls `callback` once after `ms`; the returned function cancels it. */
  schedule(ms: number, callback: () => void): () => void;
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>;
}

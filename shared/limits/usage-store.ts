/** A user's message and token counts: in the current minute window, and in the current China day. */
export interface UsageCounts {
  minuteMessages: number;
  dayMessages: number;
  dayTokens: number;
}

/**
 * Where per-user usage is counted. Every count is atomic across processes and instances (server-side
 * increments in CloudBase, a lock file locally), so concurrent turns never lose or double a count.
 * The day is the China calendar day of `now` (see usage-window.ts); the minute is the fixed calendar
 * minute. Ids are checked like the session store's (INVALID_ID); a backend failure is
 * STORAGE_UNAVAILABLE.
 */
export interface UsageStore {
  /** Atomically counts one message for the user in the current minute window and the current day; returns the counts after counting. */
  recordMessage(userId: string, now: Date): Promise<UsageCounts>;
  /**
   * Takes back the day's count of one message counted by `recordMessage` for the same `now`, when that
   * attempt was refused; never below zero. The minute window keeps it, so a user who keeps sending
   * while limited stays limited until the minute ends.
   */
  refundMessage(userId: string, now: Date): Promise<void>;
  /** Atomically adds model tokens (prompt + completion) to the user's day. A whole number ≥ 0; 0 writes nothing. */
  recordTokens(userId: string, now: Date, tokens: number): Promise<void>;
  /** The user's counts for the day of `now` (zeros when none), without counting. */
  usageOf(userId: string, now: Date): Promise<UsageCounts>;
  /** Deletes every day's counts of the user (their "delete all my data"); returns how many days. */
  deleteUsage(userId: string): Promise<number>;
  /**
   * The retention sweep's call, the only one across users: deletes every user's counts of the China days
   * before `day` (YYYY-MM-DD); returns how many user-days.
   */
  deleteUsageBefore(day: string): Promise<number>;
}

/** Token counts come from the provider; anything but a whole number ≥ 0 is a bug in the caller. */
export function assertTokenCount(tokens: number): void {
  if (!Number.isSafeInteger(tokens) || tokens < 0) {
    throw new RangeError('tokens must be a whole number of at least 0');
  }
}

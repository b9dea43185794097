/** How long a warm instance trusts that a user's memory is off (or absent) without reading it. */
export const MEMORY_OFF_TRUST_MS = 30_000;
/** Most users remembered at once; the oldest entry goes first. */
const MAX_USERS = 2_000;

/**
 * Users whose memory was off or absent when a turn of this warm instance read it: their next turns
 * within MEMORY_OFF_TRUST_MS skip the read, so a user who never turned the memory on costs a turn no
 * request. Only "off" is remembered, never an item: a stale "off" (the user just turned it on through
 * the history function, another instance) only means the memory is not used for a few seconds, which is
 * safe; a stale "on" could use items the user just deleted, so "on" is read every turn. Times are the
 * turn budget's monotonic clock (injected timers).
 */
export class MemoryOffUsers {
  private readonly until = new Map<string, number>();

  constructor(private readonly trustMs = MEMORY_OFF_TRUST_MS) {}

  isOff(userId: string, now: number): boolean {
    const until = this.until.get(userId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(userId);
    return false;
  }

  rememberOff(userId: string, now: number): void {
    this.until.delete(userId);
    this.until.set(userId, now + this.trustMs);
    if (this.until.size > MAX_USERS) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
  }

  forget(userId: string): void {
    this.until.delete(userId);
  }
}

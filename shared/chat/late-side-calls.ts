import type { ProposalCall } from '../context/proposal-call.js';
import type { SummaryCall } from '../context/summary-call.js';
import type { SessionKey } from '../storage/session-document.js';

/** How long a late result waits for the session's next turn in this instance. */
export const LATE_RESULT_KEEP_MS = 10 * 60_000;
/** Most sessions whose late results are kept at once; the oldest goes first. */
const MAX_SESSIONS = 200;

/** Side calls still running (or answered but not stored) when their turn ended. */
export interface LateSideCalls {
  /** The session they were made for: a session deleted and started again under its id is another. */
  sessionCreatedAt: string;
  /** The summary extends the one that covered through this question (none: the first summary). */
  summaryBase: string | undefined;
  summary: SummaryCall | undefined;
  proposals: ProposalCall | undefined;
  keptAt: number;
}

/**
 * Per warm instance: a side call not done by its turn's commit keeps running, and what it writes is
 * folded into the commit of the same session's next turn when this instance serves it and the result
 * still applies (late-side-calls in docs/memory.md). Bounded in count and age; holds texts only in
 * memory, never logged.
 */
export class LateSideCallStore {
  private readonly kept = new Map<string, LateSideCalls>();

  keep(key: SessionKey, calls: LateSideCalls): void {
    // Results past their time are of no use and hold a person's words: gone at the next keep.
    for (const [keptId, kept] of this.kept) {
      if (calls.keptAt - kept.keptAt > LATE_RESULT_KEEP_MS) this.kept.delete(keptId);
    }
    const id = keyOf(key);
    this.kept.delete(id);
    this.kept.set(id, calls);
    if (this.kept.size > MAX_SESSIONS) {
      const oldest = this.kept.keys().next().value;
      if (oldest !== undefined) this.kept.delete(oldest);
    }
  }

  /** The calls kept for this session as it now is, removed from the store; undefined when none apply. */
  take(key: SessionKey, sessionCreatedAt: string | undefined, now: number): LateSideCalls | undefined {
    const id = keyOf(key);
    const calls = this.kept.get(id);
    if (calls === undefined) return undefined;
    this.kept.delete(id);
    if (calls.sessionCreatedAt !== sessionCreatedAt || now - calls.keptAt > LATE_RESULT_KEEP_MS)
      return undefined;
    return calls;
  }

  get size(): number {
    return this.kept.size;
  }
}

function keyOf(key: SessionKey): string {
  return `${key.userId}\u0000${key.sessionId}`;
}

import type { Timers } from '../../shared/runtime/timers.js';

interface Pending {
  at: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * Virtual time for the pipeline's unit tests: nothing waits for real. Once every promise that can settle
 * has settled (a `setImmediate` later), the clock jumps to the next timer and fires it, so a hung model
 * meets its deadline at once, and a test reads exactly how much virtual time the turn took. Fakes that
 * spend time call `sleep`; fakes must not do real I/O, which this clock would not wait for.
 */
export class VirtualTimers implements Timers {
  current = 0;
  readonly sleeps: number[] = [];
  private pending: Pending[] = [];
  private order = 0;
  private pumping = false;

  readonly now = (): number => this.current;

  readonly schedule = (ms: number, callback: () => void): (() => void) => {
    const entry: Pending = {
      at: this.current + Math.max(0, ms),
      order: this.order++,
      callback,
      cancelled: false,
    };
    this.pending.push(entry);
    this.pump();
    return () => {
      entry.cancelled = true;
    };
  };

  readonly sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    return new Promise<void>((resolve) => this.schedule(ms, resolve));
  };

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    setImmediate(() => this.fireNext());
  }

  private fireNext(): void {
    this.pumping = false;
    this.pending = this.pending.filter((entry) => !entry.cancelled);
    this.pending.sort((first, second) => first.at - second.at || first.order - second.order);
    const next = this.pending.shift();
    if (next === undefined) return;
    this.current = Math.max(this.current, next.at);
    next.callback();
    if (this.pending.length > 0) this.pump();
  }
}

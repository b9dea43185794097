import { systemTimers } from '../../shared/runtime/system-timers.js';
import type { Timers } from '../../shared/runtime/timers.js';

/**
 * Real timers on the wall clock, for tests that compare deadlines with `Date.now()` around a real
 * server. The pipeline's own tests use virtual time (virtual-timers.ts).
 */
export const wallTimers: Timers = { ...systemTimers, now: () => Date.now() };

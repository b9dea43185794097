/**
 * The windows usage is counted in.
 *
 * The day is the China calendar day (Asia/Shanghai). China has kept UTC+8 without daylight saving since
 * 1991, so a fixed +8 h offset gives the same answer as a time-zone database, whatever the machine's own
 * zone (cloud functions run in UTC).
 *
 * The minute is the fixed calendar minute (10:04:00.000–10:04:59.999), not a sliding 60 s: a burst
 * straddling a boundary can get up to twice the per-minute limit through within a few seconds. That is
 * fine here: the limit guards against runaway clients and spending, which a fixed window bounds just as
 * well (at most 2× the limit in any 60 s, and the daily quota caps the total), while a sliding window
 * would need a timestamp per message instead of one counter per user and day.
 */
const chinaOffsetMs = 8 * 60 * 60 * 1000;
const minuteMs = 60 * 1000;
const dayMs = 24 * 60 * 60 * 1000;

export interface UsageWindow {
  /** China calendar day, e.g. `2026-11-24`. */
  day: string;
  /** China wall-clock minute of that day, e.g. `00:05`; with `day` it names one calendar minute. */
  minute: string;
}

export function usageWindow(now: Date): UsageWindow {
  const time = now.getTime();
  if (!Number.isFinite(time)) throw new RangeError('now is not a valid date');
  const china = new Date(time + chinaOffsetMs).toISOString();
  return { day: china.slice(0, 10), minute: china.slice(11, 16) };
}

/** Milliseconds until the next calendar minute starts (1 to 60,000). */
export function msUntilNextMinute(now: Date): number {
  return minuteMs - (((now.getTime() % minuteMs) + minuteMs) % minuteMs);
}

/** Milliseconds until the next China midnight (1 to 86,400,000), when the day's quotas start again. */
export function msUntilChinaMidnight(now: Date): number {
  const sinceMidnight = (((now.getTime() + chinaOffsetMs) % dayMs) + dayMs) % dayMs;
  return dayMs - sinceMidnight;
}

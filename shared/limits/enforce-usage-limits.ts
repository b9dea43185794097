import { AppError } from '../errors/app-error.js';
import type { UsageCounts, UsageStore } from './usage-store.js';
import { msUntilChinaMidnight, msUntilNextMinute } from './usage-window.js';

/** Per-user limits; 0 turns a limit off. The shape of `config.usageLimits`. */
export interface UsageLimits {
  messagesPerMinute: number;
  messagesPerDay: number;
  tokensPerDay: number;
}

/**
 * Counts the user's message and refuses it, before any model call, when it goes over a limit:
 *
 * - `QUOTA_EXCEEDED` (429, not retryable) when the day already holds `messagesPerDay` messages, or
 *   `tokensPerDay` model tokens or more (tokens are known only after a reply, so the reply that crosses
 *   the quota is allowed and the next message is refused). Retry after the next China midnight.
 * - `RATE_LIMITED` (429, retryable) when this is message `messagesPerMinute + 1` or later in the current
 *   calendar minute. Retry when the minute ends.
 *
 * The day quota is checked first: when both apply, "come back tomorrow" is the answer that holds.
 *
 * A refused attempt does not count toward the day: its day count is given back (`refundMessage`), so a
 * client hammering through a rate limit does not burn the user's daily quota. It does stay in the minute
 * window, so a user who keeps sending while limited stays limited until the minute ends. Giving the count
 * back is best effort: if that write fails, the user is still refused with the limit's error, and the day
 * is one message fuller than it should be. Between the count and its refund (one round trip), a
 * concurrent message at the very edge of the day quota can see the refused one.
 *
 * Usage is recorded even with every limit off, so per-user usage is always known. Storage failures
 * propagate (STORAGE_UNAVAILABLE); whether a turn goes on without limits then is the caller's choice.
 */
export async function enforceUsageLimits(
  store: UsageStore,
  userId: string,
  now: Date,
  limits: UsageLimits,
): Promise<UsageCounts> {
  const counts = await store.recordMessage(userId, now);
  const refusal = refusalFor(counts, now, limits);
  if (refusal === undefined) return counts;
  await store.refundMessage(userId, now).catch(() => undefined);
  throw refusal;
}

function refusalFor(counts: UsageCounts, now: Date, limits: UsageLimits): AppError | undefined {
  const overMessages = limits.messagesPerDay > 0 && counts.dayMessages > limits.messagesPerDay;
  const overTokens = limits.tokensPerDay > 0 && counts.dayTokens >= limits.tokensPerDay;
  if (overMessages || overTokens) {
    const retryAfterMs = msUntilChinaMidnight(now);
    const message = overMessages
      ? '今天我们已经聊了好多好多啦，小怪兽的话匣子要合上充充电了～明天（北京时间零点以后）再来找我好吗？我会想你的。' +
        `(Daily message limit of ${limits.messagesPerDay} reached; come back after midnight China time, in ${describeWait(retryAfterMs)})`
      : '今天小怪兽说了太多太多话，嗓子要休息一下啦～明天（北京时间零点以后）再来找我好吗？我会想你的。' +
        `(Daily model token quota reached; come back after midnight China time, in ${describeWait(retryAfterMs)})`;
    return new AppError('QUOTA_EXCEEDED', message, { retryAfterMs });
  }
  if (limits.messagesPerMinute > 0 && counts.minuteMessages > limits.messagesPerMinute) {
    const retryAfterMs = msUntilNextMinute(now);
    const seconds = Math.ceil(retryAfterMs / 1000);
    return new AppError(
      'RATE_LIMITED',
      `我们聊得太快啦，小怪兽需要喘口气～${seconds} 秒后再来找我好吗？` +
        `(Too many messages this minute, limit ${limits.messagesPerMinute}; try again in ${seconds} s)`,
      { retryAfterMs },
    );
  }
  return undefined;
}

/** "3 h 20 min", "45 min", "1 min": how long until the quota starts again, for the English note. */
function describeWait(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

import * as z from 'zod/mini';
import type { UsageCounts } from './usage-store.js';
import type { UsageWindow } from './usage-window.js';

const count = z.number().check(z.gte(0));

/**
 * One user's usage on one China day, the same shape in CloudBase (plus `_id` and `write_id`) and in a
 * local file: the day's messages and model tokens, and the messages of the latest minute window seen.
 */
export const usageDocumentSchema = z.object({
  user_id: z.string(),
  day: z.string(),
  messages: count,
  tokens: count,
  /**
   * The latest China wall-clock minute (`HH:MM`, so string order is time order) any write has counted
   * in, and `minute_messages` its count. It only moves forward: a write whose clock is a little behind
   * counts into the later window rather than moving it back.
   */
  minute: z.string(),
  minute_messages: count,
  updated_at: z.string(),
});
export type UsageDocument = z.infer<typeof usageDocumentSchema>;

export const zeroUsage: Readonly<UsageCounts> = { minuteMessages: 0, dayMessages: 0, dayTokens: 0 };

/** The counts a stored document gives for `window`: its minute count only while it is that minute. */
export function countsOf(document: UsageDocument | undefined, window: UsageWindow): UsageCounts {
  if (document === undefined) return { ...zeroUsage };
  return {
    minuteMessages: document.minute === window.minute ? document.minute_messages : 0,
    dayMessages: document.messages,
    dayTokens: document.tokens,
  };
}

/**
 * The counts a document gives just after a message was counted into it: its window is the one the
 * message counted in, which may be a minute later than the message's own clock said.
 */
export function countsAfterMessage(document: UsageDocument): UsageCounts {
  return {
    minuteMessages: document.minute_messages,
    dayMessages: document.messages,
    dayTokens: document.tokens,
  };
}

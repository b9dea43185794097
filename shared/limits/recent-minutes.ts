/** How many minutes this instance remembers, per user and day, to try the likelier update first. */
const minuteHintLimit = 1000;

/**
 * Document id → the minute this instance last wrote there, the oldest forgotten first. A hint only
 * orders a message's two conditional updates, so losing one costs a round trip, never a count.
 */
export function recentMinutes() {
  const minuteHints = new Map<string, string>();
  return {
    get: (id: string): string | undefined => minuteHints.get(id),

    remember(id: string, minute: string): void {
      minuteHints.delete(id);
      minuteHints.set(id, minute);
      if (minuteHints.size > minuteHintLimit) {
        const oldest = minuteHints.keys().next();
        if (oldest.done !== true) minuteHints.delete(oldest.value);
      }
    },
  };
}

/** Runs tasks after a delay and can cancel every one still waiting, so a fake's close() leaves no timer. */
export function createDelayedTasks() {
  const timers = new Set<NodeJS.Timeout>();
  return {
    later(delayMs: number | undefined, task: () => void): void {
      if (!delayMs || delayMs <= 0) {
        task();
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        task();
      }, delayMs);
      timers.add(timer);
    },
    cancelAll(): void {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

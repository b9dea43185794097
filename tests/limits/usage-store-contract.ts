import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsageCounts, UsageStore } from '../../shared/limits/usage-store.js';
import { expectAppError, invalidIds } from '../storage/session-store-contract.js';

/**
 * The behaviour every UsageStore adapter must share, run once per adapter. Adapter-specific facts (file
 * layout, round trips, faults) live in each adapter's own test file.
 */
export interface UsageStoreHarness {
  store: UsageStore;
  /** Every stored usage record as the backend holds it, bypassing the adapter's read path. */
  storedRecords(): Promise<unknown[]>;
  cleanup(): Promise<void>;
}

/** A UTC instant on 2026-11-24; China time is 8 h ahead (10:00 UTC = 18:00 in Shanghai). */
export function at(hours: number, minutes = 0, seconds = 0, milliseconds = 0): Date {
  return new Date(Date.UTC(2026, 10, 24, hours, minutes, seconds, milliseconds));
}

export function counts(minuteMessages: number, dayMessages: number, dayTokens = 0): UsageCounts {
  return { minuteMessages, dayMessages, dayTokens };
}

export function testUsageStore(name: string, setup: () => Promise<UsageStoreHarness>): void {
  describe(`UsageStore contract: ${name}`, () => {
    let harness: UsageStoreHarness;
    let store: UsageStore;

    beforeEach(async () => {
      harness = await setup();
      store = harness.store;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it("deletes every day of one user's counts and nobody else's", async () => {
      await store.recordMessage('alice', at(10));
      await store.recordMessage('alice', at(10 + 24));
      await store.recordMessage('bob', at(10));
      expect(await store.deleteUsage('alice')).toBe(2);
      expect(await store.usageOf('alice', at(10))).toEqual(counts(0, 0));
      expect((await store.usageOf('bob', at(10))).dayMessages).toBe(1);
      expect(await store.deleteUsage('alice')).toBe(0);
      expect(await store.deleteUsage('nobody')).toBe(0);
      expect(await harness.storedRecords()).toHaveLength(1);
    });

    it('deletes, for every user, the days before a cutoff day and keeps that day and later', async () => {
      await store.recordMessage('alice', at(10 - 48));
      await store.recordMessage('alice', at(10));
      await store.recordMessage('bob', at(10 - 24));
      // 2026-11-24 10:00 UTC is 18:00 on the 24th in China; the cutoff day is the 24th.
      expect(await store.deleteUsageBefore('2026-11-24')).toBe(2);
      expect((await store.usageOf('alice', at(10))).dayMessages).toBe(1);
      expect((await store.usageOf('alice', at(10 - 48))).dayMessages).toBe(0);
      expect((await store.usageOf('bob', at(10 - 24))).dayMessages).toBe(0);
      expect(await harness.storedRecords()).toHaveLength(1);
    });

    it('reports zeros for a user with no usage, and stores nothing by looking', async () => {
      expect(await store.usageOf('alice', at(10))).toEqual(counts(0, 0));
      expect(await harness.storedRecords()).toEqual([]);
    });

    it('counts each message in the minute and the day, returning the counts after it', async () => {
      expect(await store.recordMessage('alice', at(10, 0, 1))).toEqual(counts(1, 1));
      expect(await store.recordMessage('alice', at(10, 0, 30))).toEqual(counts(2, 2));
      expect(await store.recordMessage('alice', at(10, 0, 59, 999))).toEqual(counts(3, 3));
      expect(await store.usageOf('alice', at(10, 0, 59, 999))).toEqual(counts(3, 3));
      expect(await harness.storedRecords()).toHaveLength(1);
    });

    it('starts a new minute window at the calendar minute, keeping the day', async () => {
      await store.recordMessage('alice', at(10, 0, 58));
      await store.recordMessage('alice', at(10, 0, 59, 999));
      // A fixed window: two seconds apart, but in different calendar minutes.
      expect(await store.recordMessage('alice', at(10, 1, 0, 0))).toEqual(counts(1, 3));
      expect(await store.recordMessage('alice', at(10, 1, 0, 1))).toEqual(counts(2, 4));
      expect(await store.usageOf('alice', at(10, 1, 30))).toEqual(counts(2, 4));
      // Later minutes without messages read as 0 in the minute, the day unchanged.
      expect(await store.usageOf('alice', at(10, 2))).toEqual(counts(0, 4));
      expect(await store.recordMessage('alice', at(10, 7))).toEqual(counts(1, 5));
      // The same wall-clock minute an hour later is another window.
      expect(await store.recordMessage('alice', at(11, 7))).toEqual(counts(1, 6));
    });

    it('never moves the window back: a message whose clock is behind counts into the later minute', async () => {
      await store.recordMessage('alice', at(10, 5, 1));
      expect(await store.recordMessage('alice', at(10, 4, 59))).toEqual(counts(2, 2));
      expect(await store.recordMessage('alice', at(10, 5, 30))).toEqual(counts(3, 3));
      expect(await store.usageOf('alice', at(10, 5, 40))).toEqual(counts(3, 3));
      expect(await store.recordMessage('alice', at(10, 6))).toEqual(counts(1, 4));
    });

    it('starts a new day at China midnight, 16:00 UTC', async () => {
      await store.recordMessage('alice', at(15, 59, 59, 998));
      await store.recordTokens('alice', at(15, 59, 59, 998), 500);
      expect(await store.recordMessage('alice', at(15, 59, 59, 999))).toEqual(counts(2, 2, 500));
      expect(await store.recordMessage('alice', at(16, 0, 0, 0))).toEqual(counts(1, 1, 0));
      await store.recordTokens('alice', at(16, 0, 1), 40);
      expect(await store.usageOf('alice', at(16, 0, 2))).toEqual(counts(1, 1, 40));
      // The previous China day is kept as it was.
      expect(await store.usageOf('alice', at(8))).toEqual(counts(0, 2, 500));
      // 00:30 UTC is still the same China day as 15:59 UTC (08:30 and 23:59 in Shanghai).
      expect(await store.usageOf('alice', at(0, 30))).toEqual(counts(0, 2, 500));
      expect(await harness.storedRecords()).toHaveLength(2);
    });

    it('adds tokens to the day, with or without a message counted first', async () => {
      await store.recordTokens('alice', at(10), 120);
      expect(await store.usageOf('alice', at(10))).toEqual(counts(0, 0, 120));
      expect(await store.recordMessage('alice', at(10))).toEqual(counts(1, 1, 120));
      await store.recordTokens('alice', at(10, 0, 5), 1_000);
      await store.recordTokens('alice', at(10, 0, 6), 0);
      expect(await store.usageOf('alice', at(10, 0, 7))).toEqual(counts(1, 1, 1_120));
      expect(await store.recordMessage('alice', at(10, 0, 8))).toEqual(counts(2, 2, 1_120));
    });

    it('writes nothing for zero tokens and refuses counts that are not whole numbers ≥ 0', async () => {
      await store.recordTokens('alice', at(10), 0);
      expect(await harness.storedRecords()).toEqual([]);
      for (const tokens of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(store.recordTokens('alice', at(10), tokens)).rejects.toThrow(RangeError);
      }
      expect(await harness.storedRecords()).toEqual([]);
    });

    it('refunds a refused message from the day but not from the minute, never below zero', async () => {
      await store.recordMessage('alice', at(10));
      await store.recordMessage('alice', at(10, 0, 10));
      await store.refundMessage('alice', at(10, 0, 10));
      expect(await store.usageOf('alice', at(10, 0, 20))).toEqual(counts(2, 1));
      await store.refundMessage('alice', at(10, 0, 20));
      await store.refundMessage('alice', at(10, 0, 20));
      expect(await store.usageOf('alice', at(10, 0, 30))).toEqual(counts(2, 0));
      // A refund on a day with no usage stays at zero.
      await store.refundMessage('bob', at(10));
      expect(await store.usageOf('bob', at(10))).toEqual(counts(0, 0));
    });

    it('keeps users apart, including ids that would collide if joined', async () => {
      await store.recordMessage('alice', at(10));
      await store.recordMessage('alice', at(10));
      await store.recordTokens('alice', at(10), 70);
      expect(await store.recordMessage('bob', at(10))).toEqual(counts(1, 1));
      expect(await store.recordMessage('a_b', at(10))).toEqual(counts(1, 1));
      expect(await store.recordMessage('a', at(10))).toEqual(counts(1, 1));
      expect(await store.recordMessage('ALICE', at(10))).toEqual(counts(1, 1));
      expect(await store.usageOf('alice', at(10))).toEqual(counts(2, 2, 70));
      expect(await store.usageOf('bob', at(10))).toEqual(counts(1, 1));
      expect(await store.usageOf('carol', at(10))).toEqual(counts(0, 0));
    });

    it('gives each of 50 concurrent messages its own count: 1..50 each seen once', async () => {
      const now = at(10, 30, 15);
      const results = await Promise.all(Array.from({ length: 50 }, () => store.recordMessage('alice', now)));
      const sequence = Array.from({ length: 50 }, (_, index) => index + 1);
      expect(results.map((result) => result.dayMessages).sort((a, b) => a - b)).toEqual(sequence);
      expect(results.map((result) => result.minuteMessages).sort((a, b) => a - b)).toEqual(sequence);
      expect(await store.usageOf('alice', now)).toEqual(counts(50, 50));
      expect(await harness.storedRecords()).toHaveLength(1);
    });

    it('loses no tokens when many replies are counted at once', async () => {
      await Promise.all(
        Array.from({ length: 30 }, (_, index) => store.recordTokens('alice', at(10), index + 1)),
      );
      expect(await store.usageOf('alice', at(10))).toEqual(counts(0, 0, 465));
    });

    it('agrees when concurrent messages straddle a minute boundary', async () => {
      const early = at(10, 4, 59, 900);
      const late = at(10, 5, 0, 100);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          store.recordMessage('alice', index % 2 === 0 ? early : late),
        ),
      );
      expect(results.map((result) => result.dayMessages).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, index) => index + 1),
      );
      // Whatever the interleaving, the day holds all 20, and the window never moves back: the later
      // minute holds every message counted after it started, so its count ends at least 10.
      const after = await store.usageOf('alice', late);
      expect(after.dayMessages).toBe(20);
      expect(after.minuteMessages).toBeGreaterThanOrEqual(10);
      expect(after.minuteMessages).toBeLessThanOrEqual(20);
    });

    it.each(invalidIds.map((id) => [JSON.stringify(id), id]))(
      'rejects the invalid user id %s with INVALID_ID and stores nothing',
      async (_label, invalidId) => {
        await expectAppError(store.recordMessage(invalidId, at(10)), 'INVALID_ID');
        await expectAppError(store.refundMessage(invalidId, at(10)), 'INVALID_ID');
        await expectAppError(store.recordTokens(invalidId, at(10), 5), 'INVALID_ID');
        await expectAppError(store.usageOf(invalidId, at(10)), 'INVALID_ID');
        expect(await harness.storedRecords()).toEqual([]);
      },
    );

    it('accepts ids at the edge of the allowed pattern', async () => {
      for (const userId of ['x'.repeat(64), '-', '_', 'o6AbC-dEf_GhIjK']) {
        expect(await store.recordMessage(userId, at(10))).toEqual(counts(1, 1));
      }
    });
  });
}

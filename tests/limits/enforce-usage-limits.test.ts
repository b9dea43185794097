import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors/app-error.js';
import { enforceUsageLimits, type UsageLimits } from '../../shared/limits/enforce-usage-limits.js';
import { createLocalFileUsageStore } from '../../shared/limits/local-file-usage-store.js';
import type { UsageCounts, UsageStore } from '../../shared/limits/usage-store.js';
import { msUntilChinaMidnight, msUntilNextMinute, usageWindow } from '../../shared/limits/usage-window.js';
import { expectAppError } from '../storage/session-store-contract.js';
import { at, counts } from './usage-store-contract.js';

const defaults: UsageLimits = { messagesPerMinute: 10, messagesPerDay: 200, tokensPerDay: 200_000 };

/** A store that reports fixed counts and records the calls made to it. */
function storeReporting(reported: UsageCounts, options: { refundFails?: boolean } = {}) {
  const calls: string[] = [];
  const store: UsageStore = {
    recordMessage: async (userId) => {
      calls.push(`record ${userId}`);
      return { ...reported };
    },
    refundMessage: async (userId) => {
      calls.push(`refund ${userId}`);
      if (options.refundFails) throw new AppError('STORAGE_UNAVAILABLE', 'down');
    },
    recordTokens: async () => {
      throw new Error('enforceUsageLimits never records tokens');
    },
    usageOf: async () => ({ ...reported }),
    deleteUsage: async () => 0,
    deleteUsageBefore: async () => 0,
  };
  return { store, calls };
}

async function refusal(reported: UsageCounts, now: Date, limits: UsageLimits = defaults): Promise<AppError> {
  const { store } = storeReporting(reported);
  try {
    await enforceUsageLimits(store, 'alice', now, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

describe('usage windows', () => {
  it('uses the China day and minute whatever the machine zone', () => {
    expect(usageWindow(at(15, 59, 59, 999))).toEqual({ day: '2026-11-24', minute: '23:59' });
    expect(usageWindow(at(16))).toEqual({ day: '2026-11-25', minute: '00:00' });
    expect(usageWindow(at(0))).toEqual({ day: '2026-11-24', minute: '08:00' });
    expect(usageWindow(new Date('2026-12-31T16:00:00Z'))).toEqual({ day: '2027-01-01', minute: '00:00' });
    expect(() => usageWindow(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('waits for the rest of the calendar minute, and until China midnight', () => {
    expect(msUntilNextMinute(at(10, 0, 20, 500))).toBe(39_500);
    expect(msUntilNextMinute(at(10, 0, 59, 999))).toBe(1);
    expect(msUntilNextMinute(at(10, 1))).toBe(60_000);
    expect(msUntilChinaMidnight(at(12))).toBe(4 * 3_600_000);
    expect(msUntilChinaMidnight(at(15, 59, 59, 999))).toBe(1);
    expect(msUntilChinaMidnight(at(16))).toBe(24 * 3_600_000);
    expect(msUntilChinaMidnight(at(0, 30))).toBe(15.5 * 3_600_000);
  });
});

describe('enforceUsageLimits', () => {
  it('counts the message and returns the counts while every limit holds', async () => {
    const { store, calls } = storeReporting(counts(10, 200, 199_999));
    expect(await enforceUsageLimits(store, 'alice', at(10), defaults)).toEqual(counts(10, 200, 199_999));
    expect(calls).toEqual(['record alice']);
  });

  it('refuses message 11 of a minute with RATE_LIMITED until the minute ends, giving back its day count', async () => {
    const { store, calls } = storeReporting(counts(11, 50));
    const error = await expectAppError(
      enforceUsageLimits(store, 'alice', at(10, 0, 20, 500), defaults),
      'RATE_LIMITED',
    );
    expect(error.status).toBe(429);
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(39_500);
    expect(error.message).toContain('小怪兽');
    expect(error.message).toContain('40 秒后再来找我');
    expect(error.message).toMatch(/\(Too many messages this minute, limit 10; try again in 40 s\)$/);
    expect(error.toBody().error).toMatchObject({ code: 'RATE_LIMITED', retry_after_seconds: 40 });
    expect(calls).toEqual(['record alice', 'refund alice']);
  });

  it('refuses message 201 of a day with QUOTA_EXCEEDED until China midnight', async () => {
    const error = await refusal(counts(1, 201), at(12));
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.status).toBe(429);
    expect(error.retryable).toBe(false);
    expect(error.retryAfterMs).toBe(4 * 3_600_000);
    expect(error.message).toContain('明天（北京时间零点以后）再来找我');
    expect(error.message).toContain('Daily message limit of 200 reached');
    expect(error.message).toContain('in 4 h)');
    expect(error.toBody().error.retry_after_seconds).toBe(4 * 3600);
  });

  it('refuses any message once the day reached its token quota, before a model call', async () => {
    const error = await refusal(counts(1, 3, 200_000), at(15, 20));
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.retryAfterMs).toBe(40 * 60_000);
    expect(error.message).toContain('明天（北京时间零点以后）');
    expect(error.message).toContain('Daily model token quota reached');
    expect(error.message).toContain('in 40 min)');
    // One token short of the quota still gets its reply (tokens are only known afterwards).
    const { store } = storeReporting(counts(1, 3, 199_999));
    await expect(enforceUsageLimits(store, 'alice', at(15, 20), defaults)).resolves.toBeDefined();
  });

  it('answers with the day quota when both limits are crossed: come back tomorrow, not in a minute', async () => {
    expect((await refusal(counts(30, 201), at(10))).code).toBe('QUOTA_EXCEEDED');
    expect((await refusal(counts(30, 20, 500_000), at(10))).code).toBe('QUOTA_EXCEEDED');
  });

  it('turns each limit off with 0, and still counts the message', async () => {
    const off: UsageLimits = { messagesPerMinute: 0, messagesPerDay: 0, tokensPerDay: 0 };
    const { store, calls } = storeReporting(counts(1_000, 100_000, 10_000_000));
    expect(await enforceUsageLimits(store, 'alice', at(10), off)).toEqual(counts(1_000, 100_000, 10_000_000));
    expect(calls).toEqual(['record alice']);
    expect(
      (await refusal(counts(11, 1_000, 10_000_000), at(10), { ...off, messagesPerMinute: 10 })).code,
    ).toBe('RATE_LIMITED');
    expect((await refusal(counts(11, 201), at(10), { ...off, messagesPerDay: 200 })).code).toBe(
      'QUOTA_EXCEEDED',
    );
    expect((await refusal(counts(11, 201, 5), at(10), { ...off, tokensPerDay: 5 })).code).toBe(
      'QUOTA_EXCEEDED',
    );
  });

  it('still refuses with the limit when giving the day count back fails', async () => {
    const { store, calls } = storeReporting(counts(11, 5), { refundFails: true });
    await expectAppError(enforceUsageLimits(store, 'alice', at(10), defaults), 'RATE_LIMITED');
    expect(calls).toEqual(['record alice', 'refund alice']);
  });

  it('lets a storage failure through as STORAGE_UNAVAILABLE', async () => {
    const store: UsageStore = {
      recordMessage: () => Promise.reject(new AppError('STORAGE_UNAVAILABLE', 'down')),
      refundMessage: () => Promise.resolve(),
      recordTokens: () => Promise.resolve(),
      usageOf: () => Promise.resolve(counts(0, 0)),
      deleteUsage: () => Promise.resolve(0),
      deleteUsageBefore: () => Promise.resolve(0),
    };
    await expectAppError(enforceUsageLimits(store, 'alice', at(10), defaults), 'STORAGE_UNAVAILABLE');
  });

  it('with a real store: refused attempts stay in the minute but not in the day', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'usage-limits-'));
    try {
      const store = createLocalFileUsageStore({ dataDir: root });
      const limits: UsageLimits = { messagesPerMinute: 3, messagesPerDay: 5, tokensPerDay: 1_000 };
      for (let index = 1; index <= 3; index += 1) {
        expect(await enforceUsageLimits(store, 'alice', at(10, 0, index), limits)).toEqual(
          counts(index, index),
        );
      }
      await expectAppError(enforceUsageLimits(store, 'alice', at(10, 0, 4), limits), 'RATE_LIMITED');
      await expectAppError(enforceUsageLimits(store, 'alice', at(10, 0, 5), limits), 'RATE_LIMITED');
      expect(await store.usageOf('alice', at(10, 0, 6))).toEqual(counts(5, 3));
      // The next minute starts afresh; the day holds only the accepted messages.
      expect(await enforceUsageLimits(store, 'alice', at(10, 1), limits)).toEqual(counts(1, 4));
      expect(await enforceUsageLimits(store, 'alice', at(10, 1, 1), limits)).toEqual(counts(2, 5));
      await expectAppError(enforceUsageLimits(store, 'alice', at(10, 2), limits), 'QUOTA_EXCEEDED');
      expect(await store.usageOf('alice', at(10, 2))).toEqual(counts(1, 5));
      // Another user, and the next China day, are not affected.
      expect(await enforceUsageLimits(store, 'bob', at(10, 2), limits)).toEqual(counts(1, 1));
      expect(await enforceUsageLimits(store, 'alice', at(16), limits)).toEqual(counts(1, 1));
      // Tokens recorded after a reply close the day once they reach the quota.
      await store.recordTokens('alice', at(16, 0, 5), 1_000);
      await expectAppError(enforceUsageLimits(store, 'alice', at(16, 1), limits), 'QUOTA_EXCEEDED');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

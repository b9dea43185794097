import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ensureCollections, requiredCollections } from '../../scripts/ensure-collections.js';
import { type CloudbaseDatabase, openCloudbaseDatabase } from '../../shared/cloudbase/cloudbase-sdk.js';
import { loadConfig } from '../../shared/config/load-config.js';
import { usageDocumentId } from '../../shared/limits/cloudbase-usage-documents.js';
import { createCloudbaseUsageStore } from '../../shared/limits/cloudbase-usage-store.js';
import { createUsageStore } from '../../shared/limits/create-usage-store.js';
import { usageDocumentSchema } from '../../shared/limits/usage-document.js';
import type { UsageStore } from '../../shared/limits/usage-store.js';
import {
  type CloudbaseEmulator,
  type InjectedFault,
  startCloudbaseEmulator,
} from '../fakes/cloudbase-database-emulator.js';
import { parseEjsonField, startRecordingProxy } from '../fakes/recording-proxy.js';
import { expectAppError, invalidIds } from '../storage/session-store-contract.js';
import { at, counts, testUsageStore } from './usage-store-contract.js';

process.env.TENCENTCLOUD = 'true';
process.env.SILENCE = 'true';

const collection = 'chat_usage';
const modifyAndReturn = { action: 'database.modifyAndReturnDoc', collection };
const modify = { action: 'database.modifyDocument', collection };
const insert = { action: 'database.insertDocument', collection };
const read = { action: 'database.getDocument', collection };

let emulator: CloudbaseEmulator;
let database: Promise<CloudbaseDatabase>;

function openDatabase(serviceUrl: string): Promise<CloudbaseDatabase> {
  return openCloudbaseDatabase({
    envId: emulator.envId,
    serviceUrl,
    secretId: 'test-id',
    secretKey: 'test-key',
    collection: 'chat_sessions',
    timeoutMs: 5000,
  });
}

function createStore(databaseHandle: Promise<CloudbaseDatabase> = database): UsageStore {
  return createCloudbaseUsageStore({ database: () => databaseHandle, collection });
}

function storedRows(): Record<string, unknown>[] {
  return emulator.documents(collection);
}

beforeAll(async () => {
  emulator = await startCloudbaseEmulator();
  database = openDatabase(emulator.url);
});

afterAll(async () => {
  await emulator.close();
});

testUsageStore('cloudbase', async () => {
  emulator.reset();
  emulator.createCollection(collection);
  return {
    store: createStore(),
    storedRecords: async () => storedRows(),
    cleanup: async () => {
      emulator.reset();
    },
  };
});

describe('cloudbase usage store', () => {
  let store: UsageStore;

  beforeEach(() => {
    emulator.reset();
    emulator.createCollection(collection);
    store = createStore();
  });

  describe('round trips', () => {
    it('spends three on the day’s first message: both conditional updates miss, then the insert', async () => {
      expect(await store.recordMessage('alice', at(10))).toEqual(counts(1, 1));
      expect(emulator.requests()).toEqual([modifyAndReturn, modifyAndReturn, insert]);
    });

    it('spends one on a later message, in the same minute or the next', async () => {
      await store.recordMessage('alice', at(10));
      emulator.resetCounters();
      expect(await store.recordMessage('alice', at(10, 0, 30))).toEqual(counts(2, 2));
      expect(emulator.requests()).toEqual([modifyAndReturn]);
      emulator.resetCounters();
      expect(await store.recordMessage('alice', at(10, 1, 5))).toEqual(counts(1, 3));
      expect(emulator.requests()).toEqual([modifyAndReturn]);
      emulator.resetCounters();
      expect(await store.recordMessage('alice', at(10, 1, 6))).toEqual(counts(2, 4));
      expect(emulator.requests()).toEqual([modifyAndReturn]);
    });

    it('spends at most two on an instance that has not written for the user yet', async () => {
      await store.recordMessage('alice', at(10));
      const otherInstance = createStore();
      emulator.resetCounters();
      // Its first guess (a new minute) misses, the second (same minute) counts.
      expect(await otherInstance.recordMessage('alice', at(10, 0, 20))).toEqual(counts(2, 2));
      expect(emulator.requests()).toEqual([modifyAndReturn, modifyAndReturn]);
      emulator.resetCounters();
      expect(await createStore().recordMessage('alice', at(10, 3))).toEqual(counts(1, 3));
      expect(emulator.requests()).toEqual([modifyAndReturn]);
    });

    it('spends at most two updates a message while instances with clocks either side of a minute race', async () => {
      await store.recordMessage('alice', at(10, 4, 30));
      emulator.resetCounters();
      const instances = Array.from({ length: 4 }, () => createStore());
      const results = await Promise.all(
        instances.flatMap((instance, index) =>
          Array.from({ length: 10 }, (_, turn) =>
            instance.recordMessage(
              'alice',
              (index + turn) % 2 === 0 ? at(10, 4, 59, 900) : at(10, 5, 0, 100),
            ),
          ),
        ),
      );
      expect(results.map((result) => result.dayMessages).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 40 }, (_, index) => index + 2),
      );
      expect(emulator.requestCount('database.insertDocument')).toBe(0);
      expect(emulator.requestCount('database.modifyAndReturnDoc')).toBeLessThanOrEqual(80);
      expect(emulator.requestCount()).toBe(emulator.requestCount('database.modifyAndReturnDoc'));
    });

    it('spends one on tokens, a refund and a usage read; two on tokens before any message', async () => {
      await store.recordTokens('alice', at(10), 30);
      expect(emulator.requests()).toEqual([modify, insert]);
      await store.recordMessage('alice', at(10));
      emulator.resetCounters();
      await store.recordTokens('alice', at(10), 30);
      expect(emulator.requests()).toEqual([modify]);
      emulator.resetCounters();
      await store.refundMessage('alice', at(10));
      expect(emulator.requests()).toEqual([modify]);
      emulator.resetCounters();
      expect(await store.usageOf('alice', at(10))).toEqual(counts(1, 0, 60));
      expect(emulator.requests()).toEqual([read]);
    });
  });

  it('counts with server-side $inc on the owner-filtered document, the window reset a conditional $set', async () => {
    const recorder = await startRecordingProxy(emulator.url);
    try {
      const recorded = createStore(openDatabase(recorder.url));
      await recorded.recordMessage('alice', at(10, 4, 10));
      recorder.bodies.length = 0;
      await recorded.recordMessage('alice', at(10, 4, 20));
      await recorded.recordMessage('alice', at(10, 5, 0));
      await recorded.recordTokens('alice', at(10, 5, 1), 42);
      const id = usageDocumentId('alice', '2026-11-24');
      const [sameMinute, newMinute, tokens] = recorder.bodies.map((body) => ({
        action: body.action,
        query: parseEjsonField(body.query),
        data: parseEjsonField(body.data),
      }));
      expect(sameMinute).toEqual({
        action: 'database.modifyAndReturnDoc',
        query: { _id: id, user_id: 'alice', minute: { $gte: '18:04' } },
        data: {
          $inc: { messages: 1, minute_messages: 1 },
          $set: { updated_at: at(10, 4, 20).toISOString(), write_id: expect.any(String) },
        },
      });
      expect(newMinute).toEqual({
        action: 'database.modifyAndReturnDoc',
        query: { _id: id, user_id: 'alice', minute: { $lt: '18:05' } },
        data: {
          $inc: { messages: 1 },
          $set: {
            minute: '18:05',
            minute_messages: 1,
            updated_at: at(10, 5, 0).toISOString(),
            write_id: expect.any(String),
          },
        },
      });
      expect(tokens).toEqual({
        action: 'database.modifyDocument',
        query: { _id: id, user_id: 'alice' },
        data: { $inc: { tokens: 42 }, $set: { updated_at: at(10, 5, 1).toISOString() } },
      });
      expect(recorder.bodies[2]?.merge).toBe(true);
    } finally {
      await recorder.close();
    }
  });

  it('stores one row per user and China day: the usage fields, the hashed _id and the last write id', async () => {
    await store.recordMessage('alice', at(15, 59));
    await store.recordTokens('alice', at(15, 59), 9);
    await store.recordMessage('alice', at(16, 1));
    const rows = storedRows();
    expect(rows.map((row) => row._id)).toEqual([
      usageDocumentId('alice', '2026-11-24'),
      usageDocumentId('alice', '2026-11-25'),
    ]);
    const strict = z.strictObject({
      ...usageDocumentSchema.shape,
      _id: z.string(),
      write_id: z.optional(z.string()),
    });
    expect(rows.map((row) => strict.parse(row))).toEqual([
      expect.objectContaining({
        user_id: 'alice',
        day: '2026-11-24',
        messages: 1,
        tokens: 9,
        minute: '23:59',
      }),
      expect.objectContaining({
        user_id: 'alice',
        day: '2026-11-25',
        messages: 1,
        tokens: 0,
        minute: '00:01',
      }),
    ]);
    expect(usageDocumentId('a_b', '2026-11-24')).not.toBe(usageDocumentId('a', 'b_2026-11-24'));
  });

  it('counts exactly when the server returns the document as it was before the update', async () => {
    // MongoDB's findAndModify returns the old document unless asked otherwise; the write id tells them apart.
    const preImage = createStore(withUpdateAndReturn(database, 'before'));
    expect(await preImage.recordMessage('alice', at(10))).toEqual(counts(1, 1));
    expect(await preImage.recordMessage('alice', at(10, 0, 10))).toEqual(counts(2, 2));
    await preImage.recordTokens('alice', at(10, 0, 11), 5);
    expect(await preImage.recordMessage('alice', at(10, 0, 12))).toEqual(counts(3, 3, 5));
    expect(await preImage.recordMessage('alice', at(10, 1))).toEqual(counts(1, 4, 5));
    expect(await preImage.recordMessage('alice', at(10, 1, 1))).toEqual(counts(2, 5, 5));
  });

  it('reads the counts back when the server returns no document', async () => {
    const noDocument = createStore(withUpdateAndReturn(database, 'none'));
    expect(await noDocument.recordMessage('alice', at(10))).toEqual(counts(1, 1));
    emulator.resetCounters();
    expect(await noDocument.recordMessage('alice', at(10, 0, 10))).toEqual(counts(2, 2));
    expect(emulator.requests()).toEqual([modifyAndReturn, read]);
    expect(await noDocument.recordMessage('alice', at(10, 1))).toEqual(counts(1, 3));
  });

  const faults: [string, InjectedFault][] = [
    ['a SYS_ERR reply', { code: 'SYS_ERR' }],
    ['an HTTP 503', { httpStatus: 503 }],
    // The SDK retries a reset on a reused keep-alive socket once, so the fault must outlast that retry.
    ['a dropped connection', { dropConnection: true, times: 3 }],
  ];

  describe.each(faults)('on %s', (_label, fault) => {
    it('fails the count with STORAGE_UNAVAILABLE and counts nothing; a retry counts once', async () => {
      await store.recordMessage('alice', at(10));
      emulator.inject({ ...fault, action: 'database.modifyAndReturnDoc' });
      await expectAppError(store.recordMessage('alice', at(10, 0, 5)), 'STORAGE_UNAVAILABLE');
      emulator.clearFaults();
      expect(await store.usageOf('alice', at(10, 0, 5))).toEqual(counts(1, 1));
      expect(await store.recordMessage('alice', at(10, 0, 6))).toEqual(counts(2, 2));
    });

    it('fails the day’s first count with STORAGE_UNAVAILABLE when the insert fails', async () => {
      emulator.inject({ ...fault, action: 'database.insertDocument' });
      await expectAppError(store.recordMessage('alice', at(10)), 'STORAGE_UNAVAILABLE');
      emulator.clearFaults();
      expect(storedRows()).toEqual([]);
      expect(await store.recordMessage('alice', at(10))).toEqual(counts(1, 1));
    });

    it('fails tokens, refunds and reads with STORAGE_UNAVAILABLE', async () => {
      await store.recordMessage('alice', at(10));
      emulator.inject({ ...fault, action: 'database.modifyDocument' });
      await expectAppError(store.recordTokens('alice', at(10), 8), 'STORAGE_UNAVAILABLE');
      emulator.clearFaults();
      emulator.inject({ ...fault, action: 'database.modifyDocument' });
      await expectAppError(store.refundMessage('alice', at(10)), 'STORAGE_UNAVAILABLE');
      emulator.clearFaults();
      emulator.inject({ ...fault, action: 'database.getDocument' });
      await expectAppError(store.usageOf('alice', at(10)), 'STORAGE_UNAVAILABLE');
      emulator.clearFaults();
      expect(await store.usageOf('alice', at(10))).toEqual(counts(1, 1));
    });
  });

  it('reports a database that cannot be opened, or a missing collection, as STORAGE_UNAVAILABLE', async () => {
    const unreachable = createCloudbaseUsageStore({
      database: () => Promise.reject(new Error('cannot load the SDK')),
      collection,
    });
    await expectAppError(unreachable.recordMessage('alice', at(10)), 'STORAGE_UNAVAILABLE');
    await expectAppError(unreachable.recordTokens('alice', at(10), 1), 'STORAGE_UNAVAILABLE');
    await expectAppError(unreachable.usageOf('alice', at(10)), 'STORAGE_UNAVAILABLE');
    emulator.reset();
    await expectAppError(store.recordMessage('alice', at(10)), 'STORAGE_UNAVAILABLE');
  });

  it("never counts into a document under the caller's _id that belongs to someone else", async () => {
    const planted = {
      _id: usageDocumentId('bob', '2026-11-24'),
      user_id: 'mallory',
      day: '2026-11-24',
      messages: 7,
      tokens: 0,
      minute: '18:00',
      minute_messages: 7,
      updated_at: at(10).toISOString(),
    };
    await (await database).collection(collection).add(planted);
    expect(await store.usageOf('bob', at(10))).toEqual(counts(0, 0));
    await expectAppError(store.recordMessage('bob', at(10)), 'STORAGE_UNAVAILABLE');
    expect(storedRows()).toEqual([planted]);
  });

  it('sends no request at all for an invalid id', async () => {
    for (const invalidId of invalidIds) {
      await expectAppError(store.recordMessage(invalidId, at(10)), 'INVALID_ID');
      await expectAppError(store.recordTokens(invalidId, at(10), 3), 'INVALID_ID');
      await expectAppError(store.refundMessage(invalidId, at(10)), 'INVALID_ID');
      await expectAppError(store.usageOf(invalidId, at(10)), 'INVALID_ID');
    }
    expect(emulator.requestCount()).toBe(0);
  });
});

describe('createUsageStore and setup:cloudbase', () => {
  beforeEach(() => {
    emulator.reset();
  });

  it('creates the session and usage collections, and running it again changes nothing', async () => {
    const handle = await database;
    const names = requiredCollections('chat_sessions', 'chat_usage');
    expect(names).toEqual(['chat_sessions', 'chat_usage']);
    expect(await ensureCollections(handle, names)).toEqual({ created: names, existing: [] });
    expect(await ensureCollections(handle, names)).toEqual({ created: [], existing: names });
    expect(requiredCollections('chat_sessions')).toEqual(['chat_sessions']);
  });

  it('counts in CLOUDBASE_USAGE_COLLECTION when STORAGE=cloudbase', async () => {
    emulator.createCollection('usage_test');
    const config = loadConfig({
      STORAGE: 'cloudbase',
      CLOUDBASE_ENV: emulator.envId,
      CLOUDBASE_SERVICE_URL: emulator.url,
      CLOUDBASE_SECRET_ID: 'test-id',
      CLOUDBASE_SECRET_KEY: 'test-key',
      CLOUDBASE_USAGE_COLLECTION: 'usage_test',
    });
    const usage = createUsageStore(config);
    expect(await usage.recordMessage('alice', at(10))).toEqual(counts(1, 1));
    expect(emulator.documents('usage_test')).toHaveLength(1);
    const shared = createUsageStore(config, { database: () => database });
    expect(await shared.recordMessage('alice', at(10))).toEqual(counts(2, 2));
  });
});

/**
 * The SDK's database with `updateAndReturn` answering as a different server would: `before` returns the
 * document as it was before the update, `none` returns no document. Sequential use only: the extra read
 * that builds the old document is not atomic with the update.
 */
function withUpdateAndReturn(
  handle: Promise<CloudbaseDatabase>,
  mode: 'before' | 'none',
): Promise<CloudbaseDatabase> {
  return handle.then((real) => {
    const collection = (name: string) => {
      const target = real.collection(name);
      return {
        add: (document: Record<string, unknown>) => target.add(document),
        where: (condition: Record<string, unknown>) => {
          const query = target.where(condition);
          return {
            get: () => query.get(),
            limit: (count: number) => query.limit(count),
            update: (data: Record<string, unknown>) => query.update(data),
            updateAndReturn: async (data: Record<string, unknown>) => {
              if (mode === 'none') return { updated: (await query.updateAndReturn(data)).updated };
              const before = (await target.where(condition).limit(1).get()).data[0];
              const result = await query.updateAndReturn(data);
              return { updated: result.updated, doc: before ?? null };
            },
          };
        },
      };
    };
    return { command: real.command, collection } as unknown as CloudbaseDatabase;
  });
}

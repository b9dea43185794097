import tcb from '@cloudbase/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudbaseEmulator, startCloudbaseEmulator } from './cloudbase-database-emulator.js';

// Without TENCENTCLOUD the SDK probes metadata.tencentyun.com before every call; SILENCE drops its 3 s warnings.
process.env.TENCENTCLOUD = 'true';
process.env.SILENCE = 'true';

type Database = ReturnType<ReturnType<typeof tcb.init>['database']>;

let emulator: CloudbaseEmulator;
let db: Database;

beforeAll(async () => {
  emulator = await startCloudbaseEmulator();
  const app = tcb.init({
    env: emulator.envId,
    serviceUrl: emulator.url,
    secretId: 'test-id',
    secretKey: 'test-key',
    timeout: 5000,
  });
  db = app.database();
});

afterAll(async () => {
  await emulator.close();
});

/** A fresh collection per test keeps the tests independent without resetting shared state. */
async function freshCollection(name: string) {
  await db.createCollection(name);
  return db.collection(name);
}

describe('cloudbase database emulator through the real node-sdk', () => {
  it('creates collections and rejects creating one twice', async () => {
    await db.createCollection('created');
    await expect(db.createCollection('created')).rejects.toMatchObject({
      code: 'DATABASE_COLLECTION_ALREADY_EXIST',
    });
    expect(emulator.documents('created')).toEqual([]);
  });

  it('rejects reads and writes on a missing collection', async () => {
    await expect(db.collection('missing').add({ a: 1 })).rejects.toMatchObject({
      code: 'DATABASE_COLLECTION_NOT_EXIST',
    });
    await expect(db.collection('missing').doc('x').get()).rejects.toMatchObject({
      code: 'DATABASE_COLLECTION_NOT_EXIST',
    });
  });

  it('adds documents with and without _id and rejects duplicate ids', async () => {
    const people = await freshCollection('people');
    const created = new Date('2026-01-02T03:04:05.678Z');
    expect(await people.add({ _id: 'ann', age: 31, score: 1.5, created })).toMatchObject({ id: 'ann' });
    await expect(people.add({ _id: 'ann', age: 1 })).rejects.toMatchObject({
      code: 'DATABASE_DUPLICATE_WRITE',
    });
    const generated = await people.add({ age: 40 });
    expect(generated.id).toMatch(/^[0-9a-f]{32}$/);

    const fetched = await people.doc('ann').get();
    expect(fetched.data).toEqual([{ _id: 'ann', age: 31, score: 1.5, created }]);
    expect(fetched.data[0].created).toBeInstanceOf(Date);
    expect((await people.doc('nobody').get()).data).toEqual([]);
    expect(emulator.documents('people').map((document) => document._id)).toEqual(['ann', generated.id]);
  });

  it('queries with operators, dotted paths, orderBy, skip, limit and field', async () => {
    const rows = await freshCollection('rows');
    await rows.add(
      [1, 2, 3, 4, 5, 6].map((rank) => ({
        _id: `r${rank}`,
        rank,
        group: rank % 2 === 0 ? 'even' : 'odd',
        meta: { tag: rank > 3 ? 'high' : 'low' },
        ...(rank === 6 ? { extra: true } : {}),
      })),
    );
    const _ = db.command;
    const page = await rows
      .where({ rank: _.gt(1) })
      .orderBy('rank', 'desc')
      .skip(1)
      .limit(3)
      .field({ rank: true })
      .get();
    expect(page.data).toEqual([
      { _id: 'r5', rank: 5 },
      { _id: 'r4', rank: 4 },
      { _id: 'r3', rank: 3 },
    ]);
    const ids = async (query: object) =>
      ((await rows.where(query).orderBy('rank', 'asc').get()).data as { _id: string }[]).map(
        ({ _id }) => _id,
      );
    expect(await ids({ meta: { tag: 'high' }, group: 'even' })).toEqual(['r4', 'r6']);
    expect(await ids({ 'meta.tag': 'low', rank: _.neq(2) })).toEqual(['r1', 'r3']);
    expect(await ids({ rank: _.in([2, 5]) })).toEqual(['r2', 'r5']);
    expect(await ids({ rank: _.nin([1, 2, 3, 4]) })).toEqual(['r5', 'r6']);
    expect(await ids({ extra: _.exists(true) })).toEqual(['r6']);
    expect(await ids({ rank: _.gte(2).and(_.lte(3)) })).toEqual(['r2', 'r3']);
    expect(await ids(_.or([{ rank: _.lt(2) }, { rank: _.eq(6) }]))).toEqual(['r1', 'r6']);
    expect(
      (await rows.field({ meta: false, group: false }).orderBy('rank', 'asc').limit(1).get()).data,
    ).toEqual([{ _id: 'r1', rank: 1 }]);
    expect((await rows.where({ group: 'odd' }).count()).total).toBe(3);
  });

  it('applies update operators, dotted paths and server dates', async () => {
    const chats = await freshCollection('chats');
    await chats.add({
      _id: 'c1',
      owner: 'u1',
      messages: ['m1'],
      turns: 1,
      meta: { title: 'old', lang: 'zh' },
    });
    const _ = db.command;
    const before = Date.now();
    const result = await chats.where({ owner: 'u1' }).update({
      messages: _.push({ each: ['m2', 'm3'] }),
      turns: _.inc(2),
      status: 'open',
      meta: { title: 'new' },
      'stats.views': 7,
      updatedAt: db.serverDate(),
    });
    expect(result.updated).toBe(1);
    const [stored] = emulator.documents('chats');
    expect(stored).toMatchObject({
      messages: ['m1', 'm2', 'm3'],
      turns: 3,
      status: 'open',
      meta: { title: 'new', lang: 'zh' },
      stats: { views: 7 },
    });
    const updatedAt = stored?.updatedAt;
    expect(updatedAt).toBeInstanceOf(Date);
    expect(updatedAt instanceof Date && updatedAt.getTime() >= before).toBe(true);

    await chats
      .doc('c1')
      .update({ messages: _.push({ each: ['m4'], slice: -2 }), tags: _.addToSet({ $each: ['a', 'a'] }) });
    expect(emulator.documents('chats')[0]).toMatchObject({ messages: ['m3', 'm4'], tags: ['a'] });
    await chats.doc('c1').update({ messages: _.pull('m3'), status: _.remove(), turns: _.max(10) });
    const [afterPull] = emulator.documents('chats');
    expect(afterPull).toMatchObject({ messages: ['m4'], turns: 10 });
    expect(afterPull).not.toHaveProperty('status');
  });

  it('updateAndReturn returns the updated document', async () => {
    const counters = await freshCollection('counters');
    await counters.add({ _id: 'k', value: 1 });
    const _ = db.command;
    const result = await counters.where({ _id: 'k' }).updateAndReturn({ value: _.inc(4) });
    expect(result).toMatchObject({ updated: 1, doc: { _id: 'k', value: 5 } });
    expect(await counters.where({ _id: 'none' }).updateAndReturn({ value: 1 })).toMatchObject({
      updated: 0,
      doc: null,
    });
  });

  it('set() upserts a missing document and replaces an existing one', async () => {
    const profiles = await freshCollection('profiles');
    expect(await profiles.doc('p1').set({ name: 'Ann', plan: 'free' })).toMatchObject({
      updated: 0,
      upsertedId: 'p1',
    });
    const replaced = await profiles.doc('p1').set({ name: 'Ann B' });
    expect(replaced.updated).toBe(1);
    expect(emulator.documents('profiles')).toEqual([{ _id: 'p1', name: 'Ann B' }]);
  });

  it('removes one document by id or many by query', async () => {
    const items = await freshCollection('items');
    await items.add([
      { _id: 'i1', kind: 'a' },
      { _id: 'i2', kind: 'b' },
      { _id: 'i3', kind: 'b' },
    ]);
    expect((await items.doc('i1').remove()).deleted).toBe(1);
    expect((await items.where({ kind: 'b' }).remove()).deleted).toBe(2);
    expect(emulator.documents('items')).toEqual([]);
  });

  it('lands every one of 50 concurrent pushes to one document', async () => {
    const logs = await freshCollection('logs');
    await logs.add({ _id: 'log', entries: [] });
    const _ = db.command;
    const values = Array.from({ length: 50 }, (_unused, index) => `entry-${index}`);
    await Promise.all(values.map((value) => logs.doc('log').update({ entries: _.push({ each: [value] }) })));
    const entries = emulator.documents('logs')[0]?.entries as string[];
    expect(entries).toHaveLength(50);
    expect([...entries].sort()).toEqual([...values].sort());
  });

  it('injects error codes, HTTP statuses, delays and dropped connections', async () => {
    const faults = await freshCollection('faults');
    emulator.inject({ action: 'database.insertDocument', code: 'DATABASE_TIMEOUT' });
    await expect(faults.add({ _id: 'f1' })).rejects.toMatchObject({ code: 'DATABASE_TIMEOUT' });
    expect(emulator.documents('faults')).toEqual([]);

    emulator.inject({ action: 'database.getDocument', httpStatus: 503, times: 2 });
    await expect(faults.get()).rejects.toMatchObject({ code: 503 });
    await expect(faults.get()).rejects.toMatchObject({ code: 503 });
    expect((await faults.get()).data).toEqual([]);

    emulator.inject({ delayMs: 150 });
    const started = Date.now();
    await faults.add({ _id: 'slow' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    // A reply that arrives after the client's timeout still leaves the write applied.
    emulator.inject({ action: 'database.insertDocument', delayMs: 500 });
    await expect(faults.options({ timeout: 100 }).add({ _id: 'late' })).rejects.toMatchObject({
      code: 'ESOCKETTIMEDOUT',
    });
    expect(emulator.documents('faults').map((document) => document._id)).toEqual(['slow', 'late']);

    emulator.inject({ dropConnection: true });
    await expect(faults.count()).rejects.toMatchObject({ code: 'ECONNRESET' });
    emulator.inject({ code: 'SYS_ERR' });
    emulator.clearFaults();
    expect((await faults.count()).total).toBe(2);
  });

  it('counts requests per action', async () => {
    const counted = await freshCollection('counted');
    emulator.resetCounters();
    await counted.add({ _id: 'a' });
    await counted.doc('a').get();
    await counted.doc('a').update({ seen: true });
    await counted.where({}).get();
    expect(emulator.requestCount()).toBe(4);
    expect(emulator.requestCount('database.getDocument')).toBe(2);
    expect(emulator.requestCount('database.modifyDocument')).toBe(1);
    expect(emulator.requests()[0]).toEqual({ action: 'database.insertDocument', collection: 'counted' });
  });

  it('supports transactions, undoing writes on rollback', async () => {
    const accounts = await freshCollection('accounts');
    await accounts.add({ _id: 'acc', balance: 10 });
    emulator.resetCounters();
    const _ = db.command;
    await db.runTransaction(async (transaction: { collection(name: string): typeof accounts }) => {
      await transaction
        .collection('accounts')
        .doc('acc')
        .update({ balance: _.inc(-3) });
    });
    await expect(
      db.runTransaction(async (transaction: { collection(name: string): typeof accounts }) => {
        await transaction
          .collection('accounts')
          .doc('acc')
          .update({ balance: _.inc(-100) });
        await transaction.collection('accounts').add({ _id: 'audit' });
        throw new Error('insufficient funds');
      }),
    ).rejects.toThrow('insufficient funds');
    expect(emulator.documents('accounts')).toEqual([{ _id: 'acc', balance: 7 }]);
    expect(emulator.requestCount('database.abortTransaction')).toBe(1);
  });
});

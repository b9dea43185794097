import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ensureCollections, requiredCollections } from '../../scripts/ensure-collections.js';
import { type CloudbaseDatabase, openCloudbaseDatabase } from '../../shared/cloudbase/cloudbase-sdk.js';
import { createCloudbaseSessionStore, documentId } from '../../shared/storage/cloudbase-session-store.js';
import { sessionRecordSchema } from '../../shared/storage/session-record.js';
import type { SessionStore } from '../../shared/storage/session-store.js';
import {
  type CloudbaseEmulator,
  type InjectedFault,
  startCloudbaseEmulator,
} from '../fakes/cloudbase-database-emulator.js';
import { parseEjsonField, startRecordingProxy } from '../fakes/recording-proxy.js';
import {
  appendTurn,
  expectAppError,
  invalidIds,
  minute,
  testSessionStore,
  turnInput,
  turnMessages,
  userMessage,
} from './session-store-contract.js';

// Without TENCENTCLOUD the SDK probes metadata.tencentyun.com before every call; SILENCE drops its warnings.
process.env.TENCENTCLOUD = 'true';
process.env.SILENCE = 'true';

const collection = 'chat_sessions';

let emulator: CloudbaseEmulator;
let database: Promise<CloudbaseDatabase>;

function openDatabase(serviceUrl: string): Promise<CloudbaseDatabase> {
  return openCloudbaseDatabase({
    envId: emulator.envId,
    serviceUrl,
    secretId: 'test-id',
    secretKey: 'test-key',
    collection,
    timeoutMs: 5000,
  });
}

function createStore(databaseHandle: Promise<CloudbaseDatabase> = database): SessionStore {
  return createCloudbaseSessionStore({ database: () => databaseHandle, collection });
}

/** Rows as the emulator holds them; `_id` is the adapter's key, not part of the session document. */
function storedRows(): Record<string, unknown>[] {
  return emulator.documents(collection);
}

function storedDocuments(): unknown[] {
  return storedRows().map(({ _id: _ignored, ...document }) => document);
}

beforeAll(async () => {
  emulator = await startCloudbaseEmulator();
  database = openDatabase(emulator.url);
});

afterAll(async () => {
  await emulator.close();
});

testSessionStore('cloudbase', async () => {
  emulator.reset();
  emulator.createCollection(collection);
  return {
    store: createStore(),
    storedDocuments: async () => storedDocuments(),
    writeRawSession: async (document) => {
      const key = { userId: document.user_id, sessionId: document.session_id };
      await (await database).collection(collection).add({ _id: documentId(key), ...document });
    },
    cleanup: async () => {
      emulator.reset();
    },
  };
});

describe('cloudbase session store', () => {
  let store: SessionStore;

  beforeEach(() => {
    emulator.reset();
    emulator.createCollection(collection);
    store = createStore();
  });

  it('spends one request per store call on a turn to a new session: read, insert, outcome', async () => {
    const key = { userId: 'alice', sessionId: 's1' };
    expect(await store.getSession(key)).toBeUndefined();
    await appendTurn(store, turnInput(key, turnMessages('t1'), { sessionExisted: false }));
    expect(emulator.requests().map(({ action, collection }) => ({ action, collection }))).toEqual([
      { action: 'database.getDocument', collection },
      { action: 'database.insertDocument', collection },
      { action: 'database.modifyDocument', collection },
    ]);
  });

  it('spends one request per store call on a turn to an existing session: read, append, outcome', async () => {
    const key = { userId: 'alice', sessionId: 's1' };
    await appendTurn(store, turnInput(key, turnMessages('t1')));
    emulator.resetCounters();

    expect(await store.getSession(key)).toBeDefined();
    await appendTurn(store, turnInput(key, turnMessages('t2'), { sessionExisted: true }));
    expect(emulator.requests().map(({ action, collection }) => ({ action, collection }))).toEqual([
      { action: 'database.getDocument', collection },
      { action: 'database.modifyDocument', collection },
      { action: 'database.modifyDocument', collection },
    ]);
  });

  it('makes each turn call one request on the warm path: fail, claim, finish', async () => {
    const key = { userId: 'alice', sessionId: 's1' };
    const [question, answer] = turnMessages('t1');
    if (question === undefined || answer === undefined) throw new Error('turn fixture');
    await store.beginTurn({
      key,
      seedMessages: [],
      question: { ...question, status: 'pending' },
      now: minute(1),
      sessionExisted: false,
    });
    const requestsOf = async (call: () => Promise<unknown>) => {
      emulator.resetCounters();
      await call();
      return emulator.requests().map(({ action }) => action);
    };
    const owner = { key, messageId: question.message_id };
    expect(
      await requestsOf(() =>
        store.finishTurn({
          ...owner,
          attemptId: 'attempt-t1-user',
          outcome: { status: 'failed', errorCode: 'LLM_TIMEOUT' },
          now: minute(2),
        }),
      ),
    ).toEqual(['database.modifyDocument']);
    expect(
      await requestsOf(() =>
        store.claimTurn({
          ...owner,
          previousAttemptId: 'attempt-t1-user',
          attemptId: 'retry',
          now: minute(3),
        }),
      ),
    ).toEqual(['database.modifyDocument']);
    expect(
      await requestsOf(() =>
        store.finishTurn({
          ...owner,
          attemptId: 'retry',
          outcome: { status: 'complete', reply: answer },
          now: minute(4),
        }),
      ),
    ).toEqual(['database.modifyDocument']);
    expect(await requestsOf(() => store.getSession(key, { recentMessages: 10 }))).toEqual([
      'database.getDocument',
    ]);
    // A repeat that landed before is told from a refusal by one read.
    expect(
      await requestsOf(() =>
        store.finishTurn({
          ...owner,
          attemptId: 'retry',
          outcome: { status: 'complete', reply: answer },
          now: minute(4),
        }),
      ),
    ).toEqual(['database.modifyDocument', 'database.getDocument']);
  });

  it('appends with a server-side $push and $inc on the owner-filtered document, never a whole-document write', async () => {
    const recorder = await startRecordingProxy(emulator.url);
    try {
      const recordedStore = createStore(openDatabase(recorder.url));
      const key = { userId: 'alice', sessionId: 's1' };
      await appendTurn(recordedStore, turnInput(key, turnMessages('t1'), { now: minute(1) }));
      recorder.bodies.length = 0;
      const secondTurn = turnMessages('t2');
      await appendTurn(recordedStore, turnInput(key, secondTurn, { now: minute(2), sessionExisted: true }));

      expect(recorder.bodies).toHaveLength(2);
      for (const body of recorder.bodies) {
        expect(body.action).toBe('database.modifyDocument');
        // merge:false would be a replace (`doc().set()`), losing turns written since the caller's read.
        expect(body.merge).toBe(true);
        expect(body.upsert).toBe(false);
      }
      const [begin, reply] = recorder.bodies.map((body) => ({
        query: parseEjsonField(body.query),
        data: parseEjsonField(body.data),
      }));
      const [question, answer] = secondTurn;
      const {
        status: _status,
        attempt_id: _attempt,
        attempt_at: _at,
        attempts: _count,
        ...bareQuestion
      } = question ?? userMessage('missing');
      const turn = `turns.m_${question?.message_id}`;
      // The append and the duplicate check are one conditional write on a plain dotted field.
      expect(begin).toEqual({
        query: {
          _id: documentId(key),
          user_id: 'alice',
          schema_version: 2,
          [`client_msg_ids.c_${question?.client_msg_id}`]: { $exists: false },
        },
        data: {
          $push: { messages: { $each: [bareQuestion] } },
          $inc: { message_count: 1 },
          $set: {
            updated_at: minute(2),
            // The session list's last message, in the same write.
            last_message_preview: bareQuestion.content,
            [turn]: {
              attempt_id: question?.attempt_id,
              attempt_at: question?.attempt_at,
              attempts: 1,
              status: 'pending',
            },
            [`client_msg_ids.c_${question?.client_msg_id}`]: question?.message_id,
          },
        },
      });
      // The reply lands, and settles the turn, only while this attempt owns the pending turn: one write.
      expect(reply).toEqual({
        query: {
          _id: documentId(key),
          user_id: 'alice',
          [`${turn}.attempt_id`]: question?.attempt_id,
          [`${turn}.status`]: 'pending',
        },
        data: {
          $push: { messages: { $each: [answer] } },
          $inc: { message_count: 1 },
          $set: {
            updated_at: minute(2),
            last_message_preview: answer?.content,
            last_emotion: answer?.emotion,
            [`${turn}.status`]: 'complete',
            [`${turn}.reply_id`]: answer?.message_id,
          },
        },
      });
    } finally {
      await recorder.close();
    }
  });

  it('stores rows that are exactly a session document plus the derived _id', async () => {
    const key = { userId: 'alice', sessionId: 's1' };
    await appendTurn(store, turnInput(key, turnMessages('t1'), { seedMessages: [userMessage('seed')] }));
    const [row] = storedRows();
    expect(row?._id).toBe(documentId(key));
    expect(() => z.strictObject({ ...sessionRecordSchema.shape, _id: z.string() }).parse(row)).not.toThrow();
  });

  const faults: [string, InjectedFault][] = [
    ['a SYS_ERR reply', { code: 'SYS_ERR' }],
    ['an HTTP 503', { httpStatus: 503 }],
    // The SDK retries a reset on a reused keep-alive socket once, so the fault must outlast that retry.
    ['a dropped connection', { dropConnection: true, times: 3 }],
  ];

  describe.each(faults)('on %s', (_label, fault) => {
    it('fails the creating write with STORAGE_UNAVAILABLE and stores nothing; a retry stores it once', async () => {
      const key = { userId: 'alice', sessionId: 's1' };
      const input = turnInput(key, turnMessages('t1'), { seedMessages: [userMessage('seed')] });
      emulator.inject({ ...fault, action: 'database.insertDocument' });
      await expectAppError(appendTurn(store, input), 'STORAGE_UNAVAILABLE');
      emulator.clearFaults();
      expect(storedRows()).toEqual([]);

      await appendTurn(store, input);
      expect((await store.getSession(key))?.messages.map((message) => message.message_id)).toEqual([
        'seed',
        't1-user',
        't1-agent',
      ]);
    });

    it('fails the appending write with STORAGE_UNAVAILABLE and leaves the session as it was', async () => {
      const key = { userId: 'alice', sessionId: 's1' };
      await appendTurn(store, turnInput(key, turnMessages('t1'), { now: minute(1) }));
      const before = storedRows();
      emulator.inject({ ...fault, action: 'database.modifyDocument' });
      await expectAppError(
        appendTurn(store, turnInput(key, turnMessages('t2'), { now: minute(2), sessionExisted: true })),
        'STORAGE_UNAVAILABLE',
      );
      emulator.clearFaults();
      expect(storedRows()).toEqual(before);
    });

    it('fails reads and listings with STORAGE_UNAVAILABLE', async () => {
      await appendTurn(store, turnInput({ userId: 'alice', sessionId: 's1' }, turnMessages('t1')));
      emulator.inject({ ...fault, action: 'database.getDocument' });
      await expectAppError(store.getSession({ userId: 'alice', sessionId: 's1' }), 'STORAGE_UNAVAILABLE');
      emulator.clearFaults();
      emulator.inject({ ...fault, action: 'database.getDocument' });
      await expectAppError(store.listSessions('alice'), 'STORAGE_UNAVAILABLE');
      emulator.clearFaults();
    });
  });

  it('reports a database that cannot be opened as STORAGE_UNAVAILABLE', async () => {
    const unreachable = createCloudbaseSessionStore({
      database: () => Promise.reject(new Error('cannot load the SDK')),
      collection,
    });
    const key = { userId: 'alice', sessionId: 's1' };
    await expectAppError(unreachable.getSession(key), 'STORAGE_UNAVAILABLE');
    await expectAppError(appendTurn(unreachable, turnInput(key, turnMessages('t1'))), 'STORAGE_UNAVAILABLE');
    await expectAppError(unreachable.listSessions('alice'), 'STORAGE_UNAVAILABLE');
  });

  it('gives (a_b, c) and (a, b_c) different document ids', async () => {
    const first = { userId: 'a_b', sessionId: 'c' };
    const second = { userId: 'a', sessionId: 'b_c' };
    await appendTurn(store, turnInput(first, turnMessages('first')));
    await appendTurn(store, turnInput(second, turnMessages('second'), { sessionExisted: true }));

    const ids = storedRows().map((row) => row._id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect((await store.getSession(first))?.messages[0]?.message_id).toBe('first-user');
    expect((await store.getSession(second))?.messages[0]?.message_id).toBe('second-user');
  });

  it("cannot reach another user's document by using its _id as a session id", async () => {
    const aliceKey = { userId: 'alice', sessionId: 's1' };
    await appendTurn(store, turnInput(aliceKey, [userMessage('alice-secret')]));
    const [aliceRow] = storedRows();
    const guessedId = String(aliceRow?._id);

    const bobKey = { userId: 'bob', sessionId: guessedId };
    expect(await store.getSession(bobKey)).toBeUndefined();
    await appendTurn(store, turnInput(bobKey, turnMessages('bob'), { sessionExisted: true }));
    expect((await store.getSession(bobKey))?.messages.map((message) => message.message_id)).toEqual([
      'bob-user',
      'bob-agent',
    ]);
    expect(storedRows().find((row) => row._id === guessedId)).toEqual(aliceRow);
  });

  it("does not read or write a document under the caller's _id that belongs to someone else", async () => {
    // Stands in for a planted row or an id collision: the `user_id` filter is the second line of defence.
    const bobKey = { userId: 'bob', sessionId: 's1' };
    const planted = {
      _id: documentId(bobKey),
      schema_version: 1,
      user_id: 'alice',
      session_id: 's1',
      created_at: minute(1),
      updated_at: minute(1),
      message_count: 1,
      messages: [userMessage('alice-secret')],
    };
    await (await database).collection(collection).add(planted);

    expect(await store.getSession(bobKey)).toBeUndefined();
    expect(await store.listSessions('bob')).toEqual([]);
    await expectAppError(
      appendTurn(store, turnInput(bobKey, turnMessages('bob'), { sessionExisted: true })),
      'STORAGE_UNAVAILABLE',
    );
    expect(storedRows()).toEqual([planted]);
  });

  it('sends no request at all for an invalid id', async () => {
    for (const invalidId of invalidIds) {
      await expectAppError(store.getSession({ userId: invalidId, sessionId: 's1' }), 'INVALID_ID');
      await expectAppError(
        appendTurn(store, turnInput({ userId: 'alice', sessionId: invalidId }, turnMessages('t'))),
        'INVALID_ID',
      );
      await expectAppError(store.listSessions(invalidId), 'INVALID_ID');
    }
    expect(emulator.requestCount()).toBe(0);
  });
});

describe('setup:cloudbase', () => {
  it('creates the collections the service needs, and running it again changes nothing', async () => {
    const database = await openCloudbaseDatabase({
      envId: emulator.envId,
      serviceUrl: emulator.url,
      secretId: 'test-id',
      secretKey: 'test-key',
      collection: 'setup_sessions',
      timeoutMs: 5000,
    });
    const names = requiredCollections('setup_sessions');
    expect(await ensureCollections(database, names)).toEqual({ created: ['setup_sessions'], existing: [] });
    expect(await ensureCollections(database, names)).toEqual({ created: [], existing: ['setup_sessions'] });
    await expect(database.collection('setup_sessions').add({ probe: true })).resolves.toHaveProperty('id');
  });
});

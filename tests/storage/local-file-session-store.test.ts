import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { createLocalFileSessionStore } from '../../shared/storage/local-file-session-store.js';
import type { SessionDocument } from '../../shared/storage/session-document.js';
import { presentSession, sessionRecordSchema } from '../../shared/storage/session-record.js';
import type { SessionStore } from '../../shared/storage/session-store.js';
import { type BundledWorker, bundleWorker } from '../support/bundled-worker.js';
import { createTemporaryDataDir, listFilesRecursively } from '../support/temporary-files.js';
import {
  appendTurn,
  expectAppError,
  expectTurnsIntact,
  invalidIds,
  minute,
  testSessionStore,
  turnInput,
  turnMessages,
  userMessage,
} from './session-store-contract.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const workerSource = fileURLToPath(new URL('./local-file-session-store-worker.ts', import.meta.url));
let bundled: BundledWorker;
beforeAll(async () => {
  bundled = await bundleWorker(workerSource);
});
afterAll(async () => {
  await bundled.remove();
});

async function readJson(filePath: string): Promise<unknown> {
  return JSON.parse(await readFile(filePath, 'utf8'));
}

/** Session files only: `<user>/<session>.json`, not `sessions.json` (nor stray temporaries). */
async function readSessionFiles(dataDir: string): Promise<unknown[]> {
  const files = await listFilesRecursively(dataDir);
  const sessionFiles = files.filter((file) => file.split(path.sep).length === 2 && file.endsWith('.json'));
  return Promise.all(sessionFiles.map((file) => readJson(path.join(dataDir, file))));
}

const strictSessionSchema = z.strictObject(sessionRecordSchema.shape);
const sessionIndexSchema = z.strictObject({
  schema_version: z.literal(1),
  sessions: z.record(
    z.string(),
    z.strictObject({ user_id: z.string(), session_id: z.string(), created_at: z.string() }),
  ),
});

testSessionStore('local file', async () => {
  const { root, dataDir } = await createTemporaryDataDir('session-store-');
  return {
    store: createLocalFileSessionStore({ dataDir }),
    storedDocuments: () => readSessionFiles(dataDir),
    writeRawSession: async (document) => {
      await mkdir(path.join(dataDir, document.user_id), { recursive: true });
      await writeFile(
        path.join(dataDir, document.user_id, `${document.session_id}.json`),
        JSON.stringify(document),
      );
      const entry = {
        user_id: document.user_id,
        session_id: document.session_id,
        created_at: document.created_at,
      };
      const sessions = { [`${document.user_id}/${document.session_id}`]: entry };
      await writeFile(path.join(dataDir, 'sessions.json'), JSON.stringify({ schema_version: 1, sessions }));
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('local file session store', () => {
  let root: string;
  let dataDir: string;
  let store: SessionStore;

  beforeEach(async () => {
    ({ root, dataDir } = await createTemporaryDataDir('session-store-'));
    store = createLocalFileSessionStore({ dataDir });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lays sessions out as DATA_DIR/<user_id>/<session_id>.json with an index in sessions.json', async () => {
    await appendTurn(
      store,
      turnInput({ userId: 'alice', sessionId: 's1' }, turnMessages('a'), { now: minute(1) }),
    );
    await appendTurn(
      store,
      turnInput({ userId: 'alice', sessionId: 's1' }, turnMessages('b'), {
        now: minute(2),
        sessionExisted: true,
      }),
    );
    await appendTurn(
      store,
      turnInput({ userId: 'alice', sessionId: 's2' }, turnMessages('c'), { now: minute(3) }),
    );
    await appendTurn(
      store,
      turnInput({ userId: 'bob', sessionId: 's1' }, turnMessages('d'), { now: minute(4) }),
    );

    expect(await listFilesRecursively(dataDir)).toEqual(
      [
        path.join('alice', 's1.json'),
        path.join('alice', 's2.json'),
        path.join('bob', 's1.json'),
        'sessions.json',
      ].sort(),
    );

    const aliceFile = strictSessionSchema.parse(await readJson(path.join(dataDir, 'alice', 's1.json')));
    expect(presentSession(aliceFile)).toEqual(await store.getSession({ userId: 'alice', sessionId: 's1' }));
    expect(aliceFile.messages.map((message) => message.message_id)).toEqual([
      'a-user',
      'a-agent',
      'b-user',
      'b-agent',
    ]);

    const index = sessionIndexSchema.parse(await readJson(path.join(dataDir, 'sessions.json')));
    // The index lists each session once, as created; counts and times live in the session files.
    expect(index).toEqual({
      schema_version: 1,
      sessions: {
        'alice/s1': { user_id: 'alice', session_id: 's1', created_at: aliceFile.created_at },
        'alice/s2': { user_id: 'alice', session_id: 's2', created_at: minute(3) },
        'bob/s1': { user_id: 'bob', session_id: 's1', created_at: minute(4) },
      },
    });
  });

  it('keeps chat files private to the owner (0600 files in 0700 directories)', async () => {
    await appendTurn(store, turnInput({ userId: 'alice', sessionId: 's1' }, turnMessages('a')));
    for (const relative of ['alice', path.join('alice', 's1.json'), 'sessions.json']) {
      const { mode } = await stat(path.join(dataDir, relative));
      expect(mode & 0o077, relative).toBe(0);
    }
  });

  it('leaves no temporary or lock files behind', async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, turn) =>
        appendTurn(
          store,
          turnInput({ userId: 'alice', sessionId: `s${turn % 3}` }, turnMessages(`t${turn}`)),
        ),
      ),
    );
    const files = await listFilesRecursively(dataDir);
    expect(files.filter((file) => file.endsWith('.tmp') || file.endsWith('.lock'))).toEqual([]);
    expect(files).toHaveLength(4);
  });

  it('loses nothing when several OS processes write to the same DATA_DIR at once', async () => {
    const workerNames = ['w0', 'w1', 'w2', 'w3'];
    const turnsPerWorker = 25;
    await Promise.all(workerNames.map((workerName) => runWorker(dataDir, workerName, turnsPerWorker)));

    const sharedKey = { userId: 'shared_user', sessionId: 'shared' };
    const seed = [
      {
        message_id: 'seed-user',
        role: 'user' as const,
        content: 'seed',
        timestamp: '2026-03-01T10:00:00.000Z',
      },
    ];
    const turnIds = (workerName: string) =>
      Array.from({ length: turnsPerWorker }, (_, index) => `${workerName}-${index}`);
    const shared = await store.getSession(sharedKey);
    if (shared === undefined) throw new Error('shared session missing');
    expectTurnsIntact(shared, seed, workerNames.flatMap(turnIds));

    for (const workerName of workerNames) {
      const own = await store.getSession({ userId: 'shared_user', sessionId: `own_${workerName}` });
      if (own === undefined) throw new Error(`session of ${workerName} missing`);
      expectTurnsIntact(own, seed, turnIds(workerName));
    }

    // Every file must parse, and the index must agree with the session files it summarises.
    const files = await listFilesRecursively(dataDir);
    expect(files.filter((file) => !file.endsWith('.json'))).toEqual([]);
    const index = sessionIndexSchema.parse(await readJson(path.join(dataDir, 'sessions.json')));
    expect(Object.keys(index.sessions).sort()).toEqual(
      ['shared_user/shared', ...workerNames.map((workerName) => `shared_user/own_${workerName}`)].sort(),
    );
    for (const document of await readSessionFiles(dataDir)) {
      const session = strictSessionSchema.parse(document);
      expect(index.sessions[`${session.user_id}/${session.session_id}`]).toEqual({
        user_id: session.user_id,
        session_id: session.session_id,
        created_at: session.created_at,
      });
    }
    expect((await store.listSessions('shared_user')).map((entry) => entry.message_count).sort()).toEqual(
      [1 + 2 * turnsPerWorker * workerNames.length, ...workerNames.map(() => 1 + 2 * turnsPerWorker)].sort(),
    );
  }, 20_000);

  it('takes over a lock file left behind by a process that no longer runs', async () => {
    const deadPid = 999_999;
    expect(() => process.kill(deadPid, 0), 'pid 999999 must not be running for this test').toThrow();
    await mkdir(path.join(dataDir, 'alice'), { recursive: true });
    const sessionLock = path.join(dataDir, 'alice', 's1.json.lock');
    const indexLock = path.join(dataDir, 'sessions.json.lock');
    await writeFile(sessionLock, `${deadPid}:0:x`);
    await writeFile(indexLock, `${deadPid}:0:x`);

    // Were the stale locks honoured, this would wait out the 10 s lock timeout; the 3 s limit fails it first.
    await appendTurn(store, turnInput({ userId: 'alice', sessionId: 's1' }, turnMessages('t1')));

    expect((await store.getSession({ userId: 'alice', sessionId: 's1' }))?.message_count).toBe(2);
    expect(await store.listSessions('alice')).toHaveLength(1);
    expect((await listFilesRecursively(dataDir)).filter((file) => file.endsWith('.lock'))).toEqual([]);
  }, 3_000);

  it('takes over a fresh lock naming this pid that this process does not hold (pid reuse after a crash)', async () => {
    // In a container every process is pid 1: a lock left by a crashed predecessor names our own pid.
    await mkdir(path.join(dataDir, 'alice'), { recursive: true });
    await writeFile(path.join(dataDir, 'alice', 's1.json.lock'), `${process.pid}:${Date.now()}:predecessor`);
    await appendTurn(store, turnInput({ userId: 'alice', sessionId: 's1' }, turnMessages('t1')));
    expect((await store.getSession({ userId: 'alice', sessionId: 's1' }))?.message_count).toBe(2);
  }, 3_000);

  it('puts a session the index lost back on its next turn, with its original creation time', async () => {
    const key = { userId: 'alice', sessionId: 's1' };
    await appendTurn(store, turnInput(key, turnMessages('t1'), { now: minute(1) }));
    // As after a crash between writing the session file and the index.
    await writeFile(path.join(dataDir, 'sessions.json'), JSON.stringify({ schema_version: 1, sessions: {} }));
    expect(await store.listSessions('alice')).toEqual([]);
    await appendTurn(store, turnInput(key, turnMessages('t2'), { now: minute(2), sessionExisted: true }));
    const index = sessionIndexSchema.parse(await readJson(path.join(dataDir, 'sessions.json')));
    expect(index.sessions['alice/s1']).toEqual({ user_id: 'alice', session_id: 's1', created_at: minute(1) });
    expect((await store.listSessions('alice')).map((summary) => summary.message_count)).toEqual([4]);
  });

  it('neither returns nor overwrites a session file whose contents name another owner', async () => {
    // A file copied into the wrong directory, or two ids that differ only in case on a case-insensitive
    // disk, must not hand Bob's chat to Alice, nor let Alice's turn replace it.
    await appendTurn(store, turnInput({ userId: 'bob', sessionId: 's1' }, turnMessages('bob')));
    await mkdir(path.join(dataDir, 'alice'), { recursive: true });
    const bobsFile = await readFile(path.join(dataDir, 'bob', 's1.json'), 'utf8');
    await writeFile(path.join(dataDir, 'alice', 's1.json'), bobsFile);
    const alice = { userId: 'alice', sessionId: 's1' };
    await expectAppError(store.getSession(alice), 'STORAGE_UNAVAILABLE');
    await expectAppError(appendTurn(store, turnInput(alice, turnMessages('alice'))), 'STORAGE_UNAVAILABLE');
    expect(await readFile(path.join(dataDir, 'alice', 's1.json'), 'utf8')).toBe(bobsFile);
  });

  it('reports a corrupt session file as STORAGE_UNAVAILABLE and does not overwrite it', async () => {
    const key = { userId: 'alice', sessionId: 's1' };
    await mkdir(path.join(dataDir, 'alice'), { recursive: true });
    const filePath = path.join(dataDir, 'alice', 's1.json');

    for (const corrupt of ['{"schema_version": 1, "messa', '{"schema_version": 2}', '']) {
      await writeFile(filePath, corrupt);
      await expectAppError(store.getSession(key), 'STORAGE_UNAVAILABLE');
      // Appending must not treat the unreadable history as absent and replace it with a fresh session.
      await expectAppError(
        appendTurn(store, turnInput(key, turnMessages('t1'), { seedMessages: [userMessage('seed')] })),
        'STORAGE_UNAVAILABLE',
      );
      expect(await readFile(filePath, 'utf8')).toBe(corrupt);
    }
    // Other sessions keep working.
    await appendTurn(store, turnInput({ userId: 'alice', sessionId: 's2' }, turnMessages('t2')));
    expect((await store.getSession({ userId: 'alice', sessionId: 's2' }))?.message_count).toBe(2);
  });

  it('reports a corrupt sessions.json as STORAGE_UNAVAILABLE when listing', async () => {
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, 'sessions.json'), 'not json');
    await expectAppError(store.listSessions('alice'), 'STORAGE_UNAVAILABLE');
  });

  it('creates nothing anywhere, DATA_DIR included, for invalid ids', async () => {
    for (const invalidId of invalidIds) {
      await expectAppError(
        appendTurn(store, turnInput({ userId: invalidId, sessionId: 's1' }, turnMessages('t'))),
        'INVALID_ID',
      );
      await expectAppError(
        appendTurn(store, turnInput({ userId: 'alice', sessionId: invalidId }, turnMessages('t'))),
        'INVALID_ID',
      );
    }
    expect(await readdir(root)).toEqual([]);
  });
});

function _summaryOf(session: SessionDocument) {
  const { messages: _messages, ...summary } = session;
  return summary;
}

/** Runs the worker script in its own Node process; rejects with its stderr when it fails. */
function runWorker(dataDir: string, workerName: string, turnCount: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundled.file, dataDir, workerName, String(turnCount)], {
      cwd: projectRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errorOutput = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errorOutput += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (exitCode) => {
      if (exitCode === 0) resolve();
      else reject(new Error(`worker ${workerName} exited with ${exitCode}: ${errorOutput}`));
    });
  });
}

import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { loadConfig } from '../../shared/config/load-config.js';
import { createUsageStore } from '../../shared/limits/create-usage-store.js';
import { createLocalFileUsageStore } from '../../shared/limits/local-file-usage-store.js';
import { usageDocumentSchema } from '../../shared/limits/usage-document.js';
import type { UsageStore } from '../../shared/limits/usage-store.js';
import { expectAppError } from '../storage/session-store-contract.js';
import { type BundledWorker, bundleWorker } from '../support/bundled-worker.js';
import { createTemporaryDataDir, listFilesRecursively } from '../support/temporary-files.js';
import { at, counts, testUsageStore } from './usage-store-contract.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const workerSource = fileURLToPath(new URL('./local-file-usage-store-worker.ts', import.meta.url));
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

const strictUsageSchema = z.strictObject(usageDocumentSchema.shape);

{
  let temporary: { root: string; dataDir: string };
  testUsageStore('local files', async () => {
    temporary = await createTemporaryDataDir('usage-store-');
    return {
      store: createLocalFileUsageStore({ dataDir: temporary.dataDir }),
      storedRecords: async () => {
        // Nothing may land outside DATA_DIR, whatever the ids.
        expect((await readdir(temporary.root)).filter((entry) => entry !== 'data')).toEqual([]);
        const files = await listFilesRecursively(temporary.dataDir);
        return Promise.all(
          files
            .filter((file) => file.endsWith('.json'))
            .map((file) => readJson(path.join(temporary.dataDir, file))),
        );
      },
      cleanup: () => rm(temporary.root, { recursive: true, force: true }),
    };
  });
}

describe('local file usage store', () => {
  let root: string;
  let dataDir: string;
  let store: UsageStore;

  beforeEach(async () => {
    ({ root, dataDir } = await createTemporaryDataDir('usage-store-'));
    store = createLocalFileUsageStore({ dataDir });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps DATA_DIR/usage/<user_id>/<China day>.json in the same shape as the CloudBase document', async () => {
    await store.recordMessage('alice', at(15, 59, 30));
    await store.recordTokens('alice', at(15, 59, 31), 77);
    await store.recordMessage('alice', at(16, 0, 5));
    await store.recordMessage('bob', at(16, 0, 6));
    expect(await listFilesRecursively(dataDir)).toEqual([
      path.join('usage', 'alice', '2026-11-24.json'),
      path.join('usage', 'alice', '2026-11-25.json'),
      path.join('usage', 'bob', '2026-11-25.json'),
    ]);
    expect(
      strictUsageSchema.parse(await readJson(path.join(dataDir, 'usage', 'alice', '2026-11-24.json'))),
    ).toEqual({
      user_id: 'alice',
      day: '2026-11-24',
      messages: 1,
      tokens: 77,
      minute: '23:59',
      minute_messages: 1,
      updated_at: at(15, 59, 31).toISOString(),
    });
    expect(
      strictUsageSchema.parse(await readJson(path.join(dataDir, 'usage', 'alice', '2026-11-25.json'))),
    ).toEqual({
      user_id: 'alice',
      day: '2026-11-25',
      messages: 1,
      tokens: 0,
      minute: '00:00',
      minute_messages: 1,
      updated_at: at(16, 0, 5).toISOString(),
    });
  });

  it('leaves no temporary or lock files behind', async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        index % 2 === 0
          ? store.recordMessage(`u${index % 3}`, at(10))
          : store.recordTokens(`u${index % 3}`, at(10), index),
      ),
    );
    const files = await listFilesRecursively(dataDir);
    expect(files.filter((file) => !file.endsWith('.json'))).toEqual([]);
    expect(files).toHaveLength(3);
  });

  it('agrees on every count when several OS processes count in the same DATA_DIR at once', async () => {
    const workers = 4;
    const perWorker = 25;
    const now = at(10, 30, 10);
    const seen = (
      await Promise.all(Array.from({ length: workers }, () => runWorker(dataDir, perWorker, now)))
    ).flat();
    const total = workers * perWorker;
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, index) => index + 1));
    expect(await store.usageOf('shared_user', now)).toEqual(counts(total, total, 10 * total));
    const files = await listFilesRecursively(dataDir);
    expect(files).toEqual([path.join('usage', 'shared_user', '2026-11-24.json')]);
  }, 30_000);

  it('reports an unreadable or foreign file as STORAGE_UNAVAILABLE and leaves it alone', async () => {
    const directory = path.join(dataDir, 'usage', 'alice');
    await mkdir(directory, { recursive: true });
    const filePath = path.join(directory, '2026-11-24.json');
    await writeFile(filePath, '{"user_id": "alice", "day": ');
    await expectAppError(store.recordMessage('alice', at(10)), 'STORAGE_UNAVAILABLE');
    await expectAppError(store.usageOf('alice', at(10)), 'STORAGE_UNAVAILABLE');
    const foreign = JSON.stringify({
      user_id: 'ALICE',
      day: '2026-11-24',
      messages: 3,
      tokens: 0,
      minute: '18:00',
      minute_messages: 3,
      updated_at: at(10).toISOString(),
    });
    await writeFile(filePath, foreign);
    await expectAppError(store.recordMessage('alice', at(10)), 'STORAGE_UNAVAILABLE');
    await expectAppError(store.usageOf('alice', at(10)), 'STORAGE_UNAVAILABLE');
    expect(await readFile(filePath, 'utf8')).toBe(foreign);
  });

  it('reports a DATA_DIR it cannot write to as STORAGE_UNAVAILABLE', async () => {
    await writeFile(dataDir, 'not a directory');
    await expectAppError(store.recordMessage('alice', at(10)), 'STORAGE_UNAVAILABLE');
    await expectAppError(store.recordTokens('alice', at(10), 5), 'STORAGE_UNAVAILABLE');
    await expectAppError(store.usageOf('alice', at(10)), 'STORAGE_UNAVAILABLE');
  });

  it('is the adapter createUsageStore picks with STORAGE=local, in DATA_DIR', async () => {
    const usage = createUsageStore(loadConfig({ STORAGE: 'local', DATA_DIR: dataDir }));
    expect(await usage.recordMessage('alice', at(10))).toEqual(counts(1, 1));
    expect(await store.usageOf('alice', at(10))).toEqual(counts(1, 1));
  });
});

/** Runs the worker script in its own Node process; resolves with the day counts it printed. */
function runWorker(dataDir: string, messageCount: number, now: Date): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundled.file, dataDir, String(messageCount), now.toISOString()], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errorOutput = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errorOutput += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (exitCode) => {
      if (exitCode !== 0) {
        reject(new Error(`worker exited with ${exitCode}: ${errorOutput}`));
        return;
      }
      resolve(z.array(z.number()).parse(JSON.parse(output)));
    });
  });
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudbaseDatabase, openCloudbaseDatabase } from '../../shared/cloudbase/cloudbase-sdk.js';
import { loadConfig } from '../../shared/config/load-config.js';
import { createCloudbaseMemoryStore, documentId } from '../../shared/memory/cloudbase-memory-store.js';
import { createMemoryStore } from '../../shared/memory/create-memory-store.js';
import { createLocalFileMemoryStore } from '../../shared/memory/local-file-memory-store.js';
import { type CloudbaseEmulator, startCloudbaseEmulator } from '../fakes/cloudbase-database-emulator.js';
import { createTemporaryDataDir, listFilesRecursively } from '../support/temporary-files.js';
import { testMemoryStore } from './memory-store-contract.js';
import { minute } from './session-store-contract.js';

// Without TENCENTCLOUD the SDK probes metadata.tencentyun.com before every call; SILENCE drops its warnings.
process.env.TENCENTCLOUD = 'true';
process.env.SILENCE = 'true';

const collection = 'chat_memories';
let emulator: CloudbaseEmulator;
let database: Promise<CloudbaseDatabase>;

beforeAll(async () => {
  emulator = await startCloudbaseEmulator();
  database = openCloudbaseDatabase({
    envId: emulator.envId,
    serviceUrl: emulator.url,
    secretId: 'test-id',
    secretKey: 'test-key',
    collection: 'chat_sessions',
    timeoutMs: 5000,
  });
});

afterAll(async () => {
  await emulator.close();
});

testMemoryStore('cloudbase', async () => {
  emulator.reset();
  emulator.createCollection(collection);
  return {
    store: createCloudbaseMemoryStore({ database: () => database, collection }),
    storedDocuments: async () => emulator.documents(collection).map(({ _id: _ignored, ...row }) => row),
    cleanup: async () => emulator.reset(),
  };
});

testMemoryStore('local file', async () => {
  const { root, dataDir } = await createTemporaryDataDir('memory-store-');
  return {
    store: createLocalFileMemoryStore({ dataDir }),
    storedDocuments: async () => {
      const files = (await listFilesRecursively(dataDir)).filter((file) => file.endsWith('.memory.json'));
      return Promise.all(
        files.map(async (file) => JSON.parse(await readFile(path.join(dataDir, file), 'utf8')) as unknown),
      );
    },
    cleanup: async () => {
      const { rm } = await import('node:fs/promises');
      await rm(root, { recursive: true, force: true });
    },
  };
});

describe('memory adapters', () => {
  it('keeps one CloudBase document per user, under an id derived from the user alone', async () => {
    emulator.reset();
    emulator.createCollection(collection);
    const store = createCloudbaseMemoryStore({ database: () => database, collection });
    await store.setEnabled('alice', true, minute(1));
    await store.addItem('alice', '一', minute(2));
    const rows = emulator.documents(collection);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ _id: documentId('alice'), user_id: 'alice', revision: 2 });
    expect(documentId('alice')).not.toBe(documentId('Alice'));
  });

  it('keeps the local memory beside the sessions, in a file no session can be named', async () => {
    const { dataDir } = await createTemporaryDataDir('memory-layout-');
    const store = createLocalFileMemoryStore({ dataDir });
    await store.setEnabled('memory', true, minute(1));
    expect(await listFilesRecursively(dataDir)).toEqual([path.join('memory', 'memory.memory.json')]);
  });

  it('is picked by STORAGE like the sessions, in CLOUDBASE_MEMORY_COLLECTION', async () => {
    emulator.reset();
    emulator.createCollection('memories_test');
    const config = loadConfig({
      STORAGE: 'cloudbase',
      CLOUDBASE_ENV: emulator.envId,
      CLOUDBASE_SERVICE_URL: emulator.url,
      CLOUDBASE_SECRET_ID: 'id',
      CLOUDBASE_SECRET_KEY: 'key',
      CLOUDBASE_MEMORY_COLLECTION: 'memories_test',
      LLM_PROVIDER: 'offline',
    });
    await createMemoryStore(config).setEnabled('alice', true, minute(1));
    expect(emulator.documents('memories_test')).toHaveLength(1);
  });
});

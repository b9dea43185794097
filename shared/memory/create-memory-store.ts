import { openOnFirstUse } from '../cloudbase/cloudbase-collection.js';
import type { CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import type { Config } from '../config/load-config.js';
import { createCloudbaseMemoryStore } from './cloudbase-memory-store.js';
import { createLocalFileMemoryStore } from './local-file-memory-store.js';
import type { MemoryStore } from './memory-store.js';

/**
 * The one place that picks the memory adapter, with the same backend as the sessions (`STORAGE`).
 * `database` lets a caller share the CloudBase handle it already opened.
 */
export function createMemoryStore(
  config: Config,
  options: { database?: () => Promise<CloudbaseDatabase> } = {},
): MemoryStore {
  if (config.storage === 'local') return createLocalFileMemoryStore({ dataDir: config.dataDir });
  return createCloudbaseMemoryStore({
    database: options.database ?? openOnFirstUse(config.cloudbase),
    collection: config.cloudbase.memoryCollection,
  });
}

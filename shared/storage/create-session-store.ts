import { openOnFirstUse } from '../cloudbase/cloudbase-collection.js';
import type { CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import type { Config } from '../config/load-config.js';
import { createCloudbaseSessionStore } from './cloudbase-session-store.js';
import { createLocalFileSessionStore } from './local-file-session-store.js';
import type { SessionStore } from './session-store.js';

/**
 * The one place that picks the storage adapter from configuration. `database` lets the caller share one
 * CloudBase handle between the stores of a warm instance (sessions and memory).
 */
export function createSessionStore(
  config: Config,
  options: { database?: () => Promise<CloudbaseDatabase> } = {},
): SessionStore {
  if (config.storage === 'local') return createLocalFileSessionStore({ dataDir: config.dataDir });
  return createCloudbaseSessionStore({
    database: options.database ?? openOnFirstUse(config.cloudbase),
    collection: config.cloudbase.collection,
  });
}

import { openOnFirstUse } from '../cloudbase/cloudbase-collection.js';
import type { Config } from '../config/load-config.js';
import { createCloudbaseSessionStore } from './cloudbase-session-store.js';
import { createLocalFileSessionStore } from './local-file-session-store.js';
import type { SessionStore } from './session-store.js';

/** The one place that picks the storage adapter from configuration. */
export function createSessionStore(config: Config): SessionStore {
  if (config.storage === 'local') return createLocalFileSessionStore({ dataDir: config.dataDir });
  return createCloudbaseSessionStore({
    database: openOnFirstUse(config.cloudbase),
    collection: config.cloudbase.collection,
  });
}

import { type CloudbaseDatabase, openCloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import type { Config } from '../config/load-config.js';
import { createCloudbaseSessionStore } from './cloudbase-session-store.js';
import { createLocalFileSessionStore } from './local-file-session-store.js';
import type { SessionStore } from './session-store.js';

/** The one place that picks the storage adapter from configuration. */
export function createSessionStore(config: Config): SessionStore {
  if (config.storage === 'local') return createLocalFileSessionStore({ dataDir: config.dataDir });
  let database: Promise<CloudbaseDatabase> | undefined;
  return createCloudbaseSessionStore({
    // Opened on first use and kept for the warm instance; a failed open is retried on the next call.
    database: () => {
      database ??= openCloudbaseDatabase(config.cloudbase).catch((error: unknown) => {
        database = undefined;
        throw error;
      });
      return database;
    },
    collection: config.cloudbase.collection,
  });
}

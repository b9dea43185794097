import { type CloudbaseDatabase, openCloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import type { Config } from '../config/load-config.js';
import { createCloudbaseUsageStore } from './cloudbase-usage-store.js';
import { createLocalFileUsageStore } from './local-file-usage-store.js';
import type { UsageStore } from './usage-store.js';

/**
 * The one place that picks the usage adapter from configuration, with the same backend as the sessions
 * (`STORAGE`). `database` lets a caller share the CloudBase handle it already opened for the sessions.
 */
export function createUsageStore(
  config: Config,
  options: { database?: () => Promise<CloudbaseDatabase> } = {},
): UsageStore {
  if (config.storage === 'local') return createLocalFileUsageStore({ dataDir: config.dataDir });
  let database: Promise<CloudbaseDatabase> | undefined;
  return createCloudbaseUsageStore({
    // Opened on first use and kept for the warm instance; a failed open is retried on the next call.
    database:
      options.database ??
      (() => {
        database ??= openCloudbaseDatabase(config.cloudbase).catch((error: unknown) => {
          database = undefined;
          throw error;
        });
        return database;
      }),
    collection: config.cloudbase.usageCollection,
  });
}

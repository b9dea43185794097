import { openOnFirstUse } from '../cloudbase/cloudbase-collection.js';
import type { CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
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
  return createCloudbaseUsageStore({
    database: options.database ?? openOnFirstUse(config.cloudbase),
    collection: config.cloudbase.usageCollection,
  });
}

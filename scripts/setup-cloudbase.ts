/**
 * `npm run setup:cloudbase`: creates the database collections the functions need in CLOUDBASE_ENV, with
 * the credentials in CLOUDBASE_SECRET_ID / CLOUDBASE_SECRET_KEY (or the TENCENTCLOUD_* ones). Idempotent.
 */
import { openCloudbaseDatabase } from '../shared/cloudbase/cloudbase-sdk.js';
import { loadConfig } from '../shared/config/load-config.js';
import { ensureCollections, requiredCollections } from './ensure-collections.js';
import { loadDotenv } from './load-dotenv.js';

loadDotenv();
const config = loadConfig({ ...process.env, STORAGE: 'cloudbase', LLM_PROVIDER: 'offline' });
if (config.cloudbase.envId === undefined) {
  console.error('Set CLOUDBASE_ENV to the CloudBase environment id (and credentials) first.');
  process.exit(2);
}
const database = await openCloudbaseDatabase(config.cloudbase);
const { created, existing } = await ensureCollections(
  database,
  requiredCollections(
    config.cloudbase.collection,
    config.cloudbase.usageCollection,
    config.cloudbase.memoryCollection,
  ),
);
console.info(
  `collections created: ${created.join(', ') || 'none'}; already there: ${existing.join(', ') || 'none'}`,
);
console.info(
  'Next, in the CloudBase console: set the collections\' permission to "仅管理端可读写" (only the functions read them),\n' +
    `and add the indexes {user_id: 1, updated_at: -1} (session listings) and {updated_at: 1} (the retention sweep) on ${config.cloudbase.collection}, and {day: 1} on ${config.cloudbase.usageCollection} (see docs/deploy.md).\n` +
    `Counting reads ${config.cloudbase.usageCollection} by _id only; the day index serves the retention sweep.\n` +
    `Add {user_id: 1, updated_at: 1} on ${config.cloudbase.memoryCollection} (read and written by _id; the index serves the retention sweep's pages of stale memories).`,
);

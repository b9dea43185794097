import { errorCodeOf } from '../shared/cloudbase/cloudbase-collection.js';
import type { CloudbaseDatabase } from '../shared/cloudbase/cloudbase-sdk.js';

/**
 * Collections the service needs; CloudBase does not create them on the first insert. The usage
 * collection (per-user limits, docs/usage-limits.md) is needed by the chat function: without it every
 * chat turn fails its usage count.
 */
export function requiredCollections(sessionCollection: string, usageCollection?: string): string[] {
  return usageCollection === undefined || usageCollection === sessionCollection
    ? [sessionCollection]
    : [sessionCollection, usageCollection];
}

/** Creates each missing collection; running it again is harmless. */
export async function ensureCollections(
  database: CloudbaseDatabase,
  names: readonly string[],
): Promise<{ created: string[]; existing: string[] }> {
  const created: string[] = [];
  const existing: string[] = [];
  for (const name of names) {
    try {
      await database.createCollection(name);
      created.push(name);
    } catch (error) {
      if (errorCodeOf(error) !== 'DATABASE_COLLECTION_ALREADY_EXIST') throw error;
      existing.push(name);
    }
  }
  return { created, existing };
}

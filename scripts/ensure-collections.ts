import { errorCodeOf } from '../shared/cloudbase/cloudbase-collection.js';
import type { CloudbaseDatabase } from '../shared/cloudbase/cloudbase-sdk.js';

/**
 * Collections the service needs; CloudBase does not create them on the first insert. The usage
 * collection (per-user limits, docs/usage-limits.md) is needed by the chat function: without it every
 * chat turn fails its usage count. The memory collection (知己档案, docs/memory.md) holds each user's
 * memory and its setting.
 */
export function requiredCollections(
  sessionCollection: string,
  usageCollection?: string,
  memoryCollection?: string,
): string[] {
  const names = [sessionCollection, usageCollection, memoryCollection].filter(
    (name): name is string => name !== undefined,
  );
  return [...new Set(names)];
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

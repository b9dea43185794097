import { createHash } from 'node:crypto';
import type { CloudbaseConfig } from '../config/load-config.js';
import { type CloudbaseCollection, type CloudbaseDatabase, openCloudbaseDatabase } from './cloudbase-sdk.js';

/**
 * The plumbing the CloudBase adapters (sessions, usage) share: opening the database once per warm
 * instance, document ids, inserts that lose a race gracefully, conditional updates, error codes.
 */

type Row = Record<string, unknown>;

/** The database, opened on first use and kept for the warm instance; a failed open is retried next call. */
export function openOnFirstUse(config: CloudbaseConfig): () => Promise<CloudbaseDatabase> {
  let database: Promise<CloudbaseDatabase> | undefined;
  return () => {
    database ??= openCloudbaseDatabase(config).catch((error: unknown) => {
      database = undefined;
      throw error;
    });
    return database;
  };
}

/**
 * A document id every instance derives without a query, from the owner and the record's own key. A
 * hash rather than a concatenation: ids may contain `_` and `-`, so joining two of them could make two
 * different owners' documents collide.
 */
export function hashedDocumentId(prefix: string, ...parts: readonly string[]): string {
  return `${prefix}_${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}

/** The `code` of an SDK error (a CloudBase code such as `DATABASE_DUPLICATE_WRITE`, or an HTTP status). */
export function errorCodeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/** Inserts the document under `id`; false when a document with that id exists (another writer won). */
export async function insertUnlessPresent(
  collection: CloudbaseCollection,
  id: string,
  document: Row,
): Promise<boolean> {
  try {
    await collection.add({ _id: id, ...document });
    return true;
  } catch (error) {
    if (errorCodeOf(error) === 'DATABASE_DUPLICATE_WRITE') return false;
    throw error;
  }
}

/** One conditional update; true when a document matched and changed. */
export async function updateWhere(
  collection: CloudbaseCollection,
  condition: Row,
  data: Row,
): Promise<boolean> {
  const result = await collection.where(condition).update(data);
  return (result.updated ?? 0) > 0;
}

/** The first row of a query limited to one, or undefined. */
export async function readOne(collection: CloudbaseCollection, condition: Row): Promise<Row | undefined> {
  return (await collection.where(condition).limit(1).get()).data[0];
}

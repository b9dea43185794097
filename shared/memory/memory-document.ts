import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';

/**
 * 知己档案, the user's memory: one document per user (docs/memory.md). Items live in a map keyed
 * `i_<id>` (a letter prefix, so no key is all digits), replaced whole by each change: every write is
 * conditional on the `revision` it read, so two writers never lose each other's change.
 */

export const MEMORY_SCHEMA_VERSION = 1;
/** Most items a user's memory holds, whoever wrote them. */
export const MEMORY_MAX_ITEMS = 30;
/** Most characters (graphemes, as a person counts them) of one item. */
export const MEMORY_ITEM_MAX_CHARS = 100;

/** Most deleted items whose hashes are kept, so the model does not learn them again; the oldest go first. */
export const MEMORY_MAX_FORGOTTEN = 200;

export const memorySourceSchema = z.enum(['user', 'model']);
export type MemorySource = z.infer<typeof memorySourceSchema>;

export const memoryItemSchema = z.object({
  id: z.string(),
  text: z.string(),
  /** `user`: the user wrote or edited it, and the model never changes it. */
  source: memorySourceSchema,
  created_at: z.string(),
  updated_at: z.string(),
  /** On items the model proposed: the session it learned them in. */
  session_id: z.optional(z.string()),
});
export type MemoryItem = z.infer<typeof memoryItemSchema>;

export const memoryDocumentSchema = z.object({
  schema_version: z.literal(MEMORY_SCHEMA_VERSION),
  user_id: z.string(),
  /** Off until the user turns it on; off, nothing is collected or used, and the items stay. */
  enabled: z.boolean(),
  items: z.record(z.string(), memoryItemSchema),
  /** Counts the writes; each write is conditional on the revision it read. */
  revision: z.number(),
  /**
   * Random, set when the document is created and never changed: each write is also conditional on it, so
   * a document deleted and created again (delete_all, then the memory turned on) never matches a
   * revision read from the one before. Absent on documents created before it existed.
   */
  generation: z.optional(z.string()),
  /**
   * What the user removed, so the model does not learn it again: `f_<hash>` of each deleted item's
   * comparable text (forgotten-items.ts), never the text, with the time it was deleted; at most
   * MEMORY_MAX_FORGOTTEN. delete_all removes them with the document.
   */
  forgotten: z.optional(z.record(z.string(), z.string())),
  /**
   * The last time the user deleted or cleared items or turned the memory off: proposals from a model call
   * that started before it were made from what the user has since taken back, and are dropped.
   */
  forgotten_before: z.optional(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type MemoryDocument = z.infer<typeof memoryDocumentSchema>;

/** What the turn and the history actions see: the setting and the items, oldest first. */
export interface UserMemory {
  enabled: boolean;
  items: MemoryItem[];
}

export function itemKey(id: string): string {
  return `i_${id}`;
}

export function presentMemory(document: MemoryDocument | undefined): UserMemory {
  if (document === undefined) return { enabled: false, items: [] };
  // A stable sort: items of the same instant keep the map's order, which is the order they were added in
  // (JSON objects and CloudBase documents keep their keys' order).
  const items = Object.values(document.items).sort((left, right) =>
    left.created_at.localeCompare(right.created_at),
  );
  return { enabled: document.enabled, items };
}

export function emptyMemory(userId: string, now: string): MemoryDocument {
  return {
    schema_version: MEMORY_SCHEMA_VERSION,
    user_id: userId,
    enabled: false,
    items: {},
    revision: 0,
    generation: randomBytes(8).toString('hex'),
    created_at: now,
    updated_at: now,
  };
}

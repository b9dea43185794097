import { emptyMemory, itemKey, type MemoryDocument, type MemoryItem } from './memory-document.js';

/**
 * The memory's rules, written once as changes of the whole document: both adapters apply them (the
 * local one under the file's lock, the CloudBase one conditional on the revision it read). A change
 * returns the document to write (undefined: nothing changes) and the call's answer. The user's changes
 * are in user-item-changes.ts, the model's in proposal-changes.ts.
 */
export type MemoryChange<T> = (current: MemoryDocument) => { next: MemoryDocument | undefined; value: T };

/** The document a change starts from when the user has none yet. */
export function startingDocument(current: MemoryDocument | undefined, userId: string, now: string) {
  return current ?? emptyMemory(userId, now);
}

/** The document with the item put in (added or replaced by its id). */
export function withItem(document: MemoryDocument, item: MemoryItem, now: string): MemoryDocument {
  return { ...document, items: { ...document.items, [itemKey(item.id)]: item }, updated_at: now };
}

/** A user's item is no longer "learned in a session". */
export function withoutSession(item: MemoryItem): MemoryItem {
  const { session_id: _session, ...rest } = item;
  return rest;
}

import { createHash } from 'node:crypto';
import { comparable } from './duplicate-items.js';
import { MEMORY_MAX_FORGOTTEN, type MemoryDocument, type MemoryItem } from './memory-document.js';

/**
 * The hashes of removed items, newest kept past MEMORY_MAX_FORGOTTEN, and the time from which the
 * proposals of a call started earlier are dropped.
 */
export function forgetting(
  document: MemoryDocument,
  removed: readonly MemoryItem[],
  now: string,
): MemoryDocument {
  const forgotten = { ...document.forgotten };
  for (const item of removed) {
    const key = forgottenKey(document.user_id, item.text);
    delete forgotten[key];
    forgotten[key] = now;
  }
  const kept = Object.entries(forgotten)
    .sort(([, left], [, right]) => left.localeCompare(right))
    .slice(-MEMORY_MAX_FORGOTTEN);
  return { ...document, forgotten: Object.fromEntries(kept), forgotten_before: now, updated_at: now };
}

/**
 * `f_` and 16 bytes of sha256 over the user id and the comparable text: two wordings that compare
 * as the same item share it. Short texts can be guessed back from it by whoever holds the database
 * (docs/privacy.md), which is why only a bounded list is kept and delete_all removes it.
 */
export function forgottenKey(userId: string, text: string): string {
  const digest = createHash('sha256')
    .update(`${userId}\u0000${comparable(text)}`)
    .digest('hex');
  return `f_${digest.slice(0, 32)}`;
}

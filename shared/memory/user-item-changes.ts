import { AppError } from '../errors/app-error.js';
import { findDuplicate } from './duplicate-items.js';
import { forgetting } from './forgotten-items.js';
import { type MemoryChange, withItem, withoutSession } from './memory-change.js';
import { itemKey, MEMORY_MAX_ITEMS, type MemoryItem } from './memory-document.js';

/** Turning it off also drops the proposals of calls already running (`forgotten_before`). */
export function setEnabled(enabled: boolean, now: string): MemoryChange<boolean> {
  return (current) => ({
    next:
      current.enabled === enabled
        ? undefined
        : { ...current, enabled, updated_at: now, ...(enabled ? {} : { forgotten_before: now }) },
    value: enabled,
  });
}

/**
 * The user's own item (already checked text). The same words as an item already there (spelling,
 * spaces and punctuation aside) keep one item, the user's; only the model's proposals merge by
 * containment, since "喜欢猫" typed by the user must not rewrite "不喜欢猫".
 */
export function addUserItem(text: string, now: string, newId: () => string): MemoryChange<MemoryItem> {
  return (current) => {
    const same = findDuplicate(current, text, { containment: false });
    if (same !== undefined) {
      if (same.source === 'user' && same.text === text) return { next: undefined, value: same };
      const adopted: MemoryItem = { ...withoutSession(same), text, source: 'user', updated_at: now };
      return { next: withItem(current, adopted, now), value: adopted };
    }
    if (Object.keys(current.items).length >= MEMORY_MAX_ITEMS) throw memoryFull();
    const item: MemoryItem = { id: newId(), text, source: 'user', created_at: now, updated_at: now };
    return { next: withItem(current, item, now), value: item };
  };
}

/** The user's edit: the text is theirs from now on, and the model never changes it. */
export function updateUserItem(id: string, text: string, now: string): MemoryChange<MemoryItem> {
  return (current) => {
    const existing = current.items[itemKey(id)];
    if (existing === undefined) throw itemNotFound();
    if (existing.source === 'user' && existing.text === text) return { next: undefined, value: existing };
    const edited: MemoryItem = { ...withoutSession(existing), text, source: 'user', updated_at: now };
    return { next: withItem(current, edited, now), value: edited };
  };
}

/** The item is gone, and the model does not learn it again (forgotten: its hash, never its text). */
export function deleteItem(id: string, now: string): MemoryChange<boolean> {
  return (current) => {
    const removed = current.items[itemKey(id)];
    if (removed === undefined) return { next: undefined, value: false };
    const { [itemKey(id)]: _removed, ...items } = current.items;
    return { next: forgetting({ ...current, items }, [removed], now), value: true };
  };
}

/** Deletes every item, each remembered as forgotten; the setting stays as it is. */
export function clearItems(now: string): MemoryChange<number> {
  return (current) => {
    const removed = Object.values(current.items);
    if (removed.length === 0) return { next: undefined, value: 0 };
    return { next: forgetting({ ...current, items: {} }, removed, now), value: removed.length };
  };
}

function memoryFull(): AppError {
  return new AppError(
    'MEMORY_FULL',
    `知己档案最多 ${MEMORY_MAX_ITEMS} 条，请先删除一条。(Memory full: at most ${MEMORY_MAX_ITEMS} items)`,
    { field: 'text' },
  );
}

function itemNotFound(): AppError {
  return new AppError('MEMORY_ITEM_NOT_FOUND', '没有找到这条记忆。(Memory item not found)', { field: 'id' });
}

import { createHash } from 'node:crypto';
import { AppError } from '../errors/app-error.js';
import { normaliseText } from '../text/normalise-text.js';
import { exceedsCharacters, hasVisibleText } from '../validation/visible-text.js';
import {
  emptyMemory,
  itemKey,
  MEMORY_ITEM_MAX_CHARS,
  MEMORY_MAX_FORGOTTEN,
  MEMORY_MAX_ITEMS,
  type MemoryDocument,
  type MemoryItem,
} from './memory-document.js';

/**
 * The memory's rules, written once as changes of the whole document: both adapters apply them (the
 * local one under the file's lock, the CloudBase one conditional on the revision it read). A change
 * returns the document to write (undefined: nothing changes) and the call's answer.
 */
export type MemoryChange<T> = (current: MemoryDocument) => { next: MemoryDocument | undefined; value: T };

/** What applying the model's proposals did. */
export interface ProposalOutcome {
  added: number;
  /** Proposals that matched an item already there (refreshed when the model wrote it). */
  merged: number;
  /** Proposals not stored: memory off, not usable text, or the memory full. */
  dropped: number;
}

/** Proposals one call considers; more are the model misbehaving. */
export const MEMORY_MAX_PROPOSALS = 10;

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

/**
 * The hashes of removed items, newest kept past MEMORY_MAX_FORGOTTEN, and the time from which the
 * proposals of a call started earlier are dropped.
 */
function forgetting(document: MemoryDocument, removed: readonly MemoryItem[], now: string): MemoryDocument {
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

/**
 * The model's proposals from a conversation, only while the memory is on. A proposal that repeats an
 * item (the same words once spelling, spaces and punctuation are set aside, or one holding the other)
 * is merged: a model item takes the fuller wording and the session; a user item is never touched. New
 * items are added while there is room and dropped past `MEMORY_MAX_ITEMS`: nothing is evicted. What the
 * user deleted is not learned again: a proposal with a deleted item's words is dropped, and so is every
 * proposal of a call that started (`startedAt`) before the user last deleted, cleared or turned it off.
 */
export function applyProposals(
  proposals: readonly string[],
  sessionId: string | undefined,
  now: string,
  newId: () => string,
  startedAt: string = now,
): MemoryChange<ProposalOutcome> {
  return (current) => {
    const outcome: ProposalOutcome = { added: 0, merged: 0, dropped: 0 };
    const stale = current.forgotten_before !== undefined && startedAt < current.forgotten_before;
    if (!current.enabled || stale)
      return { next: undefined, value: { ...outcome, dropped: proposals.length } };
    let next = current;
    for (const [index, proposal] of proposals.entries()) {
      const text = usableProposal(proposal);
      if (
        text === undefined ||
        index >= MEMORY_MAX_PROPOSALS ||
        current.forgotten?.[forgottenKey(current.user_id, text)] !== undefined
      ) {
        outcome.dropped += 1;
        continue;
      }
      const same = findDuplicate(next, text, { containment: true });
      if (same !== undefined) {
        outcome.merged += 1;
        if (same.source === 'user') continue;
        const fuller = comparable(text).length > comparable(same.text).length ? text : same.text;
        const refreshed: MemoryItem = { ...withoutSession(same), text: fuller, updated_at: now };
        if (sessionId !== undefined) refreshed.session_id = sessionId;
        next = withItem(next, refreshed, now);
        continue;
      }
      if (Object.keys(next.items).length >= MEMORY_MAX_ITEMS) {
        outcome.dropped += 1;
        continue;
      }
      const item: MemoryItem = { id: newId(), text, source: 'model', created_at: now, updated_at: now };
      if (sessionId !== undefined) item.session_id = sessionId;
      next = withItem(next, item, now);
      outcome.added += 1;
    }
    return { next: next === current ? undefined : next, value: outcome };
  };
}

/** See MemoryStore.undoProposals: only the model's items this very write left, found by session and time. */
export function undoProposals(sessionId: string, at: string, before: MemoryDocument): MemoryChange<number> {
  return (current) => {
    let items = current.items;
    let undone = 0;
    for (const [key, item] of Object.entries(current.items)) {
      if (item.source !== 'model' || item.session_id !== sessionId || item.updated_at !== at) continue;
      const { [key]: _written, ...rest } = items;
      const previous = before.generation === current.generation ? before.items[key] : undefined;
      items = previous === undefined ? rest : { ...rest, [key]: previous };
      undone += 1;
    }
    return { next: undone === 0 ? undefined : { ...current, items, updated_at: at }, value: undone };
  };
}

/** The document a change starts from when the user has none yet. */
export function startingDocument(current: MemoryDocument | undefined, userId: string, now: string) {
  return current ?? emptyMemory(userId, now);
}

/** A proposal as it is stored, or undefined when the model's text cannot be an item. */
function usableProposal(proposal: unknown): string | undefined {
  if (typeof proposal !== 'string') return undefined;
  const text = proposal.replace(/\s+/gu, ' ').trim();
  if (!hasVisibleText(text) || exceedsCharacters(text, MEMORY_ITEM_MAX_CHARS)) return undefined;
  return text;
}

/** The text as duplicates are compared: one spelling, without spaces, punctuation or symbols. */
function comparable(text: string): string {
  return normaliseText(text).replace(/[\s\p{P}\p{S}]/gu, '');
}

/** Below this many comparable characters only the same words count as a duplicate, not containment. */
const minimumContained = 4;

function findDuplicate(
  document: MemoryDocument,
  text: string,
  options: { containment: boolean },
): MemoryItem | undefined {
  const wanted = comparable(text);
  if (wanted === '') return undefined;
  const items = Object.values(document.items);
  const exact = items.find((item) => comparable(item.text) === wanted);
  if (exact !== undefined || !options.containment || wanted.length < minimumContained) return exact;
  return items.find((item) => {
    const known = comparable(item.text);
    return known.length >= minimumContained && (known.includes(wanted) || wanted.includes(known));
  });
}

function withItem(document: MemoryDocument, item: MemoryItem, now: string): MemoryDocument {
  return { ...document, items: { ...document.items, [itemKey(item.id)]: item }, updated_at: now };
}

/** A user's item is no longer "learned in a session". */
function withoutSession(item: MemoryItem): MemoryItem {
  const { session_id: _session, ...rest } = item;
  return rest;
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

import { randomBytes } from 'node:crypto';
import { assertCutoff } from '../storage/privacy-limits.js';
import { assertUserId, storageCall } from '../storage/storage-guards.js';
import { type MemoryChange, startingDocument } from './memory-change.js';
import { type MemoryDocument, type MemoryItem, presentMemory, type UserMemory } from './memory-document.js';
import { applyProposals, type ProposalOutcome, undoProposals } from './proposal-changes.js';
import { addUserItem, clearItems, deleteItem, setEnabled, updateUserItem } from './user-item-changes.js';

/**
 * The memory port (知己档案, docs/memory.md). Every call takes the owner's id, the user id the platform
 * resolved: no call can name another user's memory. Texts reaching `addItem` and `updateItem` are
 * already checked (checkShortText); the model's proposals are checked here, since the model is not
 * trusted to follow its instructions.
 */
export interface MemoryStore {
  /** The setting and the items; a user who never turned it on reads `{enabled: false, items: []}`. */
  read(userId: string): Promise<UserMemory>;
  /**
   * The document as stored (a chat turn reads it beside the session; its revision lets the turn's
   * proposals be written in one request when nothing changed it meanwhile).
   */
  readDocument(userId: string): Promise<MemoryDocument | undefined>;
  setEnabled(userId: string, enabled: boolean, now: string): Promise<boolean>;
  /** MEMORY_FULL when the memory already holds MEMORY_MAX_ITEMS items. */
  addItem(userId: string, text: string, now: string): Promise<MemoryItem>;
  /** MEMORY_ITEM_NOT_FOUND when the user has no item with that id; the item becomes the user's. */
  updateItem(userId: string, id: string, text: string, now: string): Promise<MemoryItem>;
  deleteItem(userId: string, id: string, now: string): Promise<boolean>;
  /** Deletes every item (the setting stays); the number deleted. */
  clearItems(userId: string, now: string): Promise<number>;
  /**
   * What the model proposed from a conversation (`sessionId`): nothing while the memory is off;
   * duplicates merged; items the user wrote or edited never changed; never past MEMORY_MAX_ITEMS; none
   * the user deleted, and nothing from a call started before the user last deleted, cleared or turned
   * the memory off.
   */
  applyProposals(
    userId: string,
    proposals: readonly string[],
    sessionId: string | undefined,
    now: string,
    /** The document as the caller read it: the first try decides on it instead of reading again. */
    known?: MemoryDocument | undefined,
    /** When the model call that made them started (default `now`). */
    startedAt?: string,
  ): Promise<ProposalOutcome>;
  /**
   * Takes back what `applyProposals(…, sessionId, at, …)` wrote when its turn could not be stored (the
   * session was deleted meanwhile): items it added are deleted, items it refreshed get back their
   * version in `before` (the document it decided on). An item changed since is left alone.
   */
  undoProposals(userId: string, sessionId: string, at: string, before: MemoryDocument): Promise<number>;
  /**
   * Deletes the whole memory, items and setting (delete_all, the retention sweep); true when there was
   * one. With `updatedBefore` (a cutoff as `assertCutoff` takes it), only a document still last updated
   * before it: the sweep spares a memory its owner changed after it was listed.
   */
  deleteMemory(userId: string, options?: { updatedBefore?: string }): Promise<boolean>;
  /**
   * The retention sweep, across ALL users (only the timer trigger makes it): the owners of memories
   * last updated before `cutoffIso`, in user id order, after `afterUserId`, at most `limit`. The sweep
   * deletes those whose owner has no session left.
   */
  listOwnersUpdatedBefore(
    cutoffIso: string,
    page: { limit: number; afterUserId?: string | undefined },
  ): Promise<string[]>;
}

/** What an adapter provides: one user's document read, changed atomically, deleted. */
export interface MemoryBackend {
  load(userId: string): Promise<MemoryDocument | undefined>;
  /**
   * Applies `decide` to the document as it is, atomically with the write of what it returns
   * (`next: undefined`: nothing is written); a concurrent change makes the adapter decide again.
   * `known`: a document the caller read, which an adapter may decide on first instead of reading.
   */
  update<T>(
    userId: string,
    decide: (current: MemoryDocument | undefined) => { next: MemoryDocument | undefined; value: T },
    known?: MemoryDocument,
  ): Promise<T>;
  /** `updatedBefore`: only a document whose `updated_at` is still before it. */
  remove(userId: string, updatedBefore: string | undefined): Promise<boolean>;
  listOwnersUpdatedBefore(
    cutoffIso: string,
    limit: number,
    afterUserId: string | undefined,
  ): Promise<string[]>;
}

export function memoryItemId(): string {
  return `mem_${randomBytes(8).toString('hex')}`;
}

/** The port over an adapter's backend: the rules (user-item-changes.ts, proposal-changes.ts) are the same for both. */
export function memoryStoreOver(backend: MemoryBackend, newId: () => string = memoryItemId): MemoryStore {
  async function change<T>(
    userId: string,
    now: string,
    rule: MemoryChange<T>,
    known?: MemoryDocument,
  ): Promise<T> {
    assertUserId(userId);
    return storageCall(() =>
      backend.update(
        userId,
        (current) => {
          const { next, value } = rule(startingDocument(current, userId, now));
          return { next: next && { ...next, revision: next.revision + 1 }, value };
        },
        known?.user_id === userId ? known : undefined,
      ),
    );
  }

  return {
    async read(userId) {
      assertUserId(userId);
      return presentMemory(await storageCall(() => backend.load(userId)));
    },
    async readDocument(userId) {
      assertUserId(userId);
      return storageCall(() => backend.load(userId));
    },
    setEnabled: (userId, enabled, now) => change(userId, now, setEnabled(enabled, now)),
    addItem: (userId, text, now) => change(userId, now, addUserItem(text, now, newId)),
    updateItem: (userId, id, text, now) => change(userId, now, updateUserItem(id, text, now)),
    deleteItem: (userId, id, now) => change(userId, now, deleteItem(id, now)),
    clearItems: (userId, now) => change(userId, now, clearItems(now)),
    applyProposals: (userId, proposals, sessionId, now, known, startedAt) =>
      change(userId, now, applyProposals(proposals, sessionId, now, newId, startedAt), known),
    undoProposals: (userId, sessionId, at, before) =>
      change(userId, at, undoProposals(sessionId, at, before)),
    async deleteMemory(userId, options = {}) {
      assertUserId(userId);
      if (options.updatedBefore !== undefined) assertCutoff(options.updatedBefore);
      return storageCall(() => backend.remove(userId, options.updatedBefore));
    },
    async listOwnersUpdatedBefore(cutoffIso, page) {
      assertCutoff(cutoffIso);
      if (page.afterUserId !== undefined) assertUserId(page.afterUserId);
      if (!Number.isInteger(page.limit) || page.limit < 1)
        throw new TypeError('limit must be a positive integer');
      return storageCall(() => backend.listOwnersUpdatedBefore(cutoffIso, page.limit, page.afterUserId));
    },
  };
}

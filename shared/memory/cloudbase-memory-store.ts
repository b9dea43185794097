import {
  hashedDocumentId,
  insertUnlessPresent,
  readOne,
  updateWhere,
} from '../cloudbase/cloudbase-collection.js';
import type { CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import { memoryDocumentSchema } from './memory-document.js';
import { type MemoryStore, memoryItemId, memoryStoreOver } from './memory-store.js';

/** Tries of one change when other writers keep winning; past them the call is STORAGE_UNAVAILABLE. */
const maxTries = 5;

/**
 * The memory as one document per user in its own collection (`CLOUDBASE_MEMORY_COLLECTION`), with
 * `_id = "m_" + sha256(user_id)[0:40]`, every query also filtered on `user_id`. A change reads the
 * document, applies the rule and writes the result conditional on the `revision` it read and on the
 * document being the same one (`where({_id, user_id, revision, created_at, generation}).update(...)`,
 * or `add` for a first document): a concurrent writer, or a delete_all and a new document since,
 * makes the condition miss, and the change is decided again on what is there now. A change costs two
 * requests, or one when the caller passes the document it read (a chat turn's proposals, written beside
 * its commit, so the turn still waits for 3 requests in sequence).
 */
export function createCloudbaseMemoryStore(settings: {
  database: () => Promise<CloudbaseDatabase>;
  collection: string;
  newId?: () => string;
}): MemoryStore {
  const ownedBy = (userId: string) => ({ _id: documentId(userId), user_id: userId });

  async function open() {
    const database = await settings.database();
    return { memories: database.collection(settings.collection), command: database.command };
  }

  async function load(userId: string) {
    const row = await readOne((await open()).memories, ownedBy(userId));
    if (row === undefined) return undefined;
    const { _id: _ignored, ...document } = row;
    return memoryDocumentSchema.parse(document);
  }

  return memoryStoreOver(
    {
      load,
      async update(userId, decide, known) {
        for (let attempt = 0; attempt < maxTries; attempt += 1) {
          // A document the caller just read saves the first read: a change it missed makes the
          // conditional write miss, and the next try reads what is there now.
          const current = attempt === 0 && known !== undefined ? known : await load(userId);
          const { next, value } = decide(current);
          if (next === undefined) return value;
          const { memories, command } = await open();
          const landed =
            current === undefined
              ? await insertUnlessPresent(memories, documentId(userId), next)
              : await updateWhere(
                  memories,
                  // The revision alone could match again in a document deleted and created anew since.
                  {
                    ...ownedBy(userId),
                    revision: current.revision,
                    created_at: current.created_at,
                    ...(current.generation === undefined ? {} : { generation: current.generation }),
                  },
                  {
                    enabled: next.enabled,
                    // Replaced whole: _.set stores the object as given instead of merging its fields.
                    items: command.set(next.items),
                    ...(next.forgotten === undefined ? {} : { forgotten: command.set(next.forgotten) }),
                    ...(next.forgotten_before === undefined
                      ? {}
                      : { forgotten_before: next.forgotten_before }),
                    revision: next.revision,
                    updated_at: next.updated_at,
                  },
                );
          if (landed) return value;
        }
        throw new Error('memory write did not settle');
      },
      async remove(userId, updatedBefore) {
        const { memories, command } = await open();
        const stillOld = updatedBefore === undefined ? {} : { updated_at: command.lt(updatedBefore) };
        const result = await memories.where({ ...ownedBy(userId), ...stillOld }).remove();
        return (result.deleted ?? 0) > 0;
      },
      async listOwnersUpdatedBefore(cutoffIso, limit, afterUserId) {
        const { memories, command } = await open();
        // Keyset pages by user id: owners the sweep spares (a session left) stay old, so an offset or
        // "the oldest first" would hand them back on every page.
        const after = afterUserId === undefined ? {} : { user_id: command.gt(afterUserId) };
        const page = await memories
          .where({ updated_at: command.lt(cutoffIso), ...after })
          .orderBy('user_id', 'asc')
          .limit(limit)
          .field({ user_id: true })
          .get();
        return page.data.flatMap((row) => (typeof row.user_id === 'string' ? [row.user_id] : []));
      },
    },
    settings.newId ?? memoryItemId,
  );
}

export function documentId(userId: string): string {
  return hashedDocumentId('m', userId);
}

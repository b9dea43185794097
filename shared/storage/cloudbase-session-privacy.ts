import * as z from 'zod/mini';
import type { CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import { assertCutoff, exportPage, sweepLimit } from './privacy-limits.js';
import type { SessionDocument, SessionKey } from './session-document.js';
import { storedMessageSchema } from './session-document.js';
import { parseSessionRow, presentSession, presentSummary, summaryRowSchema } from './session-record.js';
import type { SessionStore } from './session-store.js';
import { assertSessionKey, assertUserId, storageCall } from './storage-guards.js';

/** Rows per get(): the SDK's default and the page size every CloudBase environment accepts. */
const pageSize = 100;
const maxRemoveRounds = 10;
const firstMessages = z.object({ messages: z._default(z.array(storedMessageSchema), []) });

type PrivacyCalls = Pick<
  SessionStore,
  'listSessions' | 'exportSessions' | 'deleteSession' | 'deleteAllSessions' | 'deleteSessionsUpdatedBefore'
>;

/** The CloudBase session store's listing, export and deletions (the privacy side of the port). */
export function cloudbasePrivacyCalls(settings: {
  database: () => Promise<CloudbaseDatabase>;
  collection: string;
  ownedBy: (key: SessionKey) => Record<string, unknown>;
}): PrivacyCalls {
  async function sessions() {
    return (await settings.database()).collection(settings.collection);
  }

  return {
    async listSessions(userId, options = {}) {
      assertUserId(userId);
      return storageCall(async () => {
        const database = await settings.database();
        const result = await database
          .collection(settings.collection)
          .where({ user_id: userId })
          .orderBy('updated_at', 'desc')
          .limit(Math.min(options.limit ?? 100, 100))
          // The first message only, to title a session stored before titles existed.
          .field({
            messages: database.command.project.slice(1),
            turns: false,
            client_msg_ids: false,
            feedback: false,
          })
          .get();
        return result.data.map((row) =>
          presentSummary(summaryRowSchema.parse(row), firstMessages.parse(row).messages),
        );
      });
    },

    async exportSessions(userId, options = {}) {
      assertUserId(userId);
      const page = exportPage(options);
      return storageCall(async () => {
        const database = await settings.database();
        const documents: SessionDocument[] = [];
        let after = page.afterSessionId;
        // Keyset pages on session_id rather than skip(): stable while the user keeps chatting, and each
        // page is one indexed range read. A get() returns at most 100 rows unless told otherwise.
        while (documents.length < page.limit) {
          const size = Math.min(pageSize, page.limit - documents.length);
          const condition =
            after === undefined
              ? { user_id: userId }
              : { user_id: userId, session_id: database.command.gt(after) };
          const result = await database
            .collection(settings.collection)
            .where(condition)
            .orderBy('session_id', 'asc')
            .limit(size)
            .get();
          const rows = result.data.map((row) => presentSession(parseSessionRow(row).record));
          documents.push(...rows);
          after = rows.at(-1)?.session_id;
          if (rows.length < size) break;
        }
        return documents;
      });
    },

    async deleteSession(key) {
      assertSessionKey(key);
      return storageCall(async () => {
        const result = await (await sessions()).where(settings.ownedBy(key)).remove();
        return (result.deleted ?? 0) > 0;
      });
    },

    async deleteAllSessions(userId) {
      assertUserId(userId);
      return storageCall(async () => {
        const collection = await sessions();
        let deleted = 0;
        // One where().remove() deletes every match; asking again until nothing is left also covers a
        // server that caps one call (not documented either way) and a session created meanwhile.
        for (let round = 0; round < maxRemoveRounds; round += 1) {
          const removed = (await collection.where({ user_id: userId }).remove()).deleted ?? 0;
          deleted += removed;
          if (removed === 0) break;
        }
        return deleted;
      });
    },

    async deleteSessionsUpdatedBefore(cutoffIso, options = {}) {
      assertCutoff(cutoffIso);
      const limit = sweepLimit(options.limit);
      return storageCall(async () => {
        const database = await settings.database();
        const collection = database.collection(settings.collection);
        const { command } = database;
        let deleted = 0;
        // In batches: pick the oldest ids, then remove those still old. remove() takes no limit, and
        // the repeated condition spares a session a turn updated between the two calls.
        while (deleted < limit) {
          const size = Math.min(pageSize, limit - deleted);
          const picked = await collection
            .where({ updated_at: command.lt(cutoffIso) })
            .orderBy('updated_at', 'asc')
            .limit(size)
            .field({ updated_at: true, user_id: true })
            .get();
          const ids = picked.data.flatMap((row) => (typeof row._id === 'string' ? [row._id] : []));
          for (const row of picked.data) {
            if (typeof row.user_id === 'string') options.owners?.add(row.user_id);
          }
          if (ids.length === 0) break;
          const removed =
            (await collection.where({ _id: command.in(ids), updated_at: command.lt(cutoffIso) }).remove())
              .deleted ?? 0;
          deleted += removed;
          if (removed === 0 || picked.data.length < size) break;
        }
        return deleted;
      });
    },
  };
}

import type { LocalSessionFiles } from './local-session-files.js';
import type { LocalSessionIndex } from './local-session-index.js';
import type { LocalSessionWrites } from './local-session-writes.js';
import { assertCutoff, exportPage, sweepLimit } from './privacy-limits.js';
import { readOwnedSession, readSession } from './read-session-files.js';
import type { SessionDocument, SessionKey } from './session-document.js';
import { parseSessionRow, presentSession, presentSummary, type SessionRecord } from './session-record.js';
import type { SessionStore } from './session-store.js';
import { assertSessionKey, assertUserId, storageCall } from './storage-guards.js';

type PrivacyCalls = Pick<
  SessionStore,
  'listSessions' | 'exportSessions' | 'deleteSession' | 'deleteAllSessions' | 'deleteSessionsUpdatedBefore'
>;

/**
 * The local session store's listing, export and deletions (the privacy side of the port).
 *
 * Deletions take the session file's lock, delete the file and, still under it, take the index's lock to
 * drop its entry (always in that order; a turn never holds the index lock while it waits for a file
 * lock, so the two cannot deadlock). A turn queued behind a delete then finds no file and starts a fresh
 * session with its own message, and adds it to the index again; it never sees half of the deleted one.
 * The user's directory is removed once it is empty; a turn that created it again a moment before fails
 * once with the retryable STORAGE_UNAVAILABLE, and its retry recreates it. Exports and deletions list a
 * user's sessions from the directory, the ground truth, not from the index, so a session missing from the
 * index (a crash between the two writes) is still exported and deleted.
 */
export function localPrivacyCalls(
  files: LocalSessionFiles,
  index: LocalSessionIndex,
  writes: LocalSessionWrites,
): PrivacyCalls {
  /** A file that cannot be read is skipped by the sweep rather than stopping it for every other user. */
  function readForSweep(key: SessionKey): SessionRecord | undefined {
    try {
      return readOwnedSession(files.sessionPath(key), key);
    } catch {
      return undefined;
    }
  }

  return {
    async listSessions(userId, options = {}) {
      assertUserId(userId);
      return storageCall(async () => {
        const summaries = index
          .entries()
          .filter((entry) => entry.user_id === userId)
          .flatMap((entry) => {
            const key = { userId, sessionId: entry.session_id };
            const document = readSession(files.sessionPath(key), key);
            return document === undefined ? [] : [presentSummary(document, document.messages)];
          });
        return summaries
          .sort((left, right) => right.updated_at.localeCompare(left.updated_at))
          .slice(0, Math.min(options.limit ?? 100, 100));
      });
    },

    async exportSessions(userId, options = {}) {
      assertUserId(userId);
      const page = exportPage(options);
      return storageCall(async () => {
        const after = page.afterSessionId;
        const documents: SessionDocument[] = [];
        for (const sessionId of files.sessionIdsOnDisk(userId)) {
          if (documents.length >= page.limit) break;
          if (after !== undefined && sessionId <= after) continue;
          const key = { userId, sessionId };
          const document = readOwnedSession(files.sessionPath(key), key);
          if (document !== undefined) documents.push(presentSession(parseSessionRow(document).record));
        }
        return documents;
      });
    },

    async deleteSession(key) {
      assertSessionKey(key);
      return storageCall(async () => {
        const deleted = await writes.deleteSessionFile(key, () => true);
        files.removeDirectoryIfEmpty(key.userId);
        return deleted;
      });
    },

    async deleteAllSessions(userId) {
      assertUserId(userId);
      return storageCall(async () => {
        // The directory is the truth; index entries are added so that stale ones are dropped too.
        const sessionIds = new Set(files.sessionIdsOnDisk(userId));
        for (const entry of index.entries()) {
          if (entry.user_id === userId) sessionIds.add(entry.session_id);
        }
        let deleted = 0;
        for (const sessionId of sessionIds) {
          if (await writes.deleteSessionFile({ userId, sessionId }, () => true)) deleted += 1;
        }
        files.removeDirectoryIfEmpty(userId);
        return deleted;
      });
    },

    async deleteSessionsUpdatedBefore(cutoffIso, options = {}) {
      assertCutoff(cutoffIso);
      const limit = sweepLimit(options.limit);
      const isOld = (document: SessionRecord) =>
        typeof document.updated_at === 'string' && document.updated_at < cutoffIso;
      return storageCall(async () => {
        let deleted = 0;
        for (const userId of files.userIdsOnDisk()) {
          if (deleted >= limit) break;
          for (const sessionId of files.sessionIdsOnDisk(userId)) {
            if (deleted >= limit) break;
            const key = { userId, sessionId };
            // Read without the lock first, so a sweep does not queue behind every live session; the
            // age is checked again under the lock before anything is deleted.
            const current = readForSweep(key);
            if (current === undefined || !isOld(current)) continue;
            if (await writes.deleteSessionFile(key, isOld)) {
              deleted += 1;
              options.owners?.add(userId);
            }
          }
          files.removeDirectoryIfEmpty(userId);
        }
        return deleted;
      });
    },
  };
}

import { readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { withFileLock } from './file-lock.js';
import {
  fileInside,
  hasErrorCode,
  readIfExists,
  statIfExists,
  updateJsonFile,
  writeJsonFile,
} from './locked-json-file.js';
import { assertCutoff, exportPage, sweepLimit } from './privacy-limits.js';
import { checkShape } from './read-session-files.js';
import {
  assertFeedbackMessageId,
  feedbackOn,
  messageRoleIn,
  retitleOn,
  storableTitle,
} from './session-annotations.js';
import { idPattern, type SessionDocument, type SessionKey } from './session-document.js';
import { parseSessionRow, presentSession, presentSummary, type SessionRecord } from './session-record.js';
import type { SessionStore } from './session-store.js';
import { appendOf, claimWrite, findTurnIn, finishWrite } from './session-turns.js';
import { assertSessionKey, assertUserId, storageCall } from './storage-guards.js';
import { beginTurnOn, claimTurnOn, finishTurnOn } from './turn-rules-on-record.js';

/** The index file's own version (it lists sessions, it holds none of their messages). */
const INDEX_SCHEMA_VERSION = 1;

const sessionIndexSchema = z.object({
  schema_version: z.literal(INDEX_SCHEMA_VERSION),
  sessions: z.record(
    z.string(),
    z.object({ user_id: z.string(), session_id: z.string(), created_at: z.string() }),
  ),
});
type SessionIndex = z.infer<typeof sessionIndexSchema>;

/**
 * Sessions as files, the original Flask layout: `DATA_DIR/<user_id>/<session_id>.json` holds one session
 * document, `DATA_DIR/sessions.json` lists every session (owner, id, creation time). Writes are atomic
 * renames made under a lock file, so concurrent writers (in this process or others) lose nothing. The
 * index changes only when a session is created, so an ordinary turn rewrites one file.
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
export function createLocalFileSessionStore(options: { dataDir: string }): SessionStore {
  const dataDir = path.resolve(options.dataDir);
  const indexPath = path.join(dataDir, 'sessions.json');

  function sessionPath(key: SessionKey): string {
    assertSessionKey(key);
    return fileInside(dataDir, [key.userId, `${key.sessionId}.json`], 'session_id');
  }

  /**
   * Reads a session file in full validation (the re-read inside a write only checks its shape: the same
   * turn validated it moments before). With `recentMessages`, only those messages are returned.
   */
  function readSession(
    filePath: string,
    key: SessionKey,
    options: { recentMessages?: number | undefined } = {},
  ): SessionRecord | undefined {
    const text = readIfExists(filePath);
    if (text === undefined) return undefined;
    const shaped = checkShape(JSON.parse(text));
    const document =
      options.recentMessages === undefined
        ? shaped
        : { ...shaped, messages: shaped.messages.slice(-options.recentMessages) };
    return ownRecord(parseSessionRow(document).record, key);
  }

  // The index is re-read only when the file changed: every write renames a new file into place, so its
  // inode changes, which a stat sees without reading and parsing the whole index again.
  let cachedIndex: { inode: number; size: number; modifiedMs: number; index: SessionIndex } | undefined;
  function readIndex(): SessionIndex {
    const info = statIfExists(indexPath);
    if (info === undefined) return { schema_version: INDEX_SCHEMA_VERSION, sessions: {} };
    const cached = cachedIndex;
    if (cached?.inode === info.ino && cached.size === info.size && cached.modifiedMs === info.mtimeMs) {
      return cached.index;
    }
    const index = sessionIndexSchema.parse(JSON.parse(readIfExists(indexPath) ?? '{}'));
    cachedIndex = { inode: info.ino, size: info.size, modifiedMs: info.mtimeMs, index };
    return index;
  }

  function addToIndex(key: SessionKey, createdAt: string): void {
    const index = readIndex();
    const entryKey = `${key.userId}/${key.sessionId}`;
    if (index.sessions[entryKey] !== undefined) return;
    // The cached object is about to change; until the write succeeds it no longer matches the file.
    cachedIndex = undefined;
    index.sessions[entryKey] = { user_id: key.userId, session_id: key.sessionId, created_at: createdAt };
    writeJsonFile(indexPath, index);
    const info = statSync(indexPath);
    cachedIndex = { inode: info.ino, size: info.size, modifiedMs: info.mtimeMs, index };
  }

  /**
   * Reads, changes and writes one session file under its lock (locked-json-file.ts); a version 1 file
   * is written back as version 2 by its first change.
   */
  async function updateSession<T>(
    key: SessionKey,
    decide: (record: SessionRecord | undefined) => { change: SessionRecord | undefined; value: T },
  ): Promise<T> {
    const filePath = sessionPath(key);
    return storageCall(async () => {
      const { value, createdAt } = await updateJsonFile(filePath, (current) => {
        const existing = current === undefined ? undefined : ownRecord(checkShape(current), key);
        const { change, value } = decide(existing);
        return { next: change, value: { value, createdAt: change?.created_at ?? existing?.created_at } };
      });
      // Checked on every write, not only on creation, so a session left out of the index (a crash
      // between the two writes) is added on its next turn; with the index cached, this is one stat.
      if (createdAt === undefined || readIndex().sessions[`${key.userId}/${key.sessionId}`] !== undefined) {
        return value;
      }
      await withFileLock(`${indexPath}.lock`, () => addToIndex(key, createdAt));
      return value;
    });
  }

  function userDirectory(userId: string): string {
    assertUserId(userId);
    return path.join(dataDir, userId);
  }

  /** Session ids with a file in the user's directory, in code-unit order; lock and temp files are skipped. */
  function sessionIdsOnDisk(userId: string): string[] {
    return namesIn(userDirectory(userId))
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .filter((sessionId) => idPattern.test(sessionId))
      .sort();
  }

  /**
   * The session document at its path if it is this key's, undefined when there is no file or the file
   * is another owner's (ids that differ only in case, on a case-insensitive disk).
   */
  function readOwnedSession(key: SessionKey): SessionRecord | undefined {
    const text = readIfExists(sessionPath(key));
    if (text === undefined) return undefined;
    const document = checkShape(JSON.parse(text));
    return document.user_id === key.userId && document.session_id === key.sessionId ? document : undefined;
  }

  function removeFromIndex(key: SessionKey): void {
    const index = readIndex();
    const entryKey = `${key.userId}/${key.sessionId}`;
    if (index.sessions[entryKey] === undefined) return;
    cachedIndex = undefined;
    const { [entryKey]: _removed, ...rest } = index.sessions;
    const updated: SessionIndex = { ...index, sessions: rest };
    writeJsonFile(indexPath, updated);
    const info = statSync(indexPath);
    cachedIndex = { inode: info.ino, size: info.size, modifiedMs: info.mtimeMs, index: updated };
  }

  /** Drops the key's index entry, if it has one, under the index's lock. */
  async function dropIndexEntry(key: SessionKey): Promise<void> {
    if (readIndex().sessions[`${key.userId}/${key.sessionId}`] === undefined) return;
    await withFileLock(`${indexPath}.lock`, () => removeFromIndex(key));
  }

  /**
   * Deletes the key's session file if `shouldDelete` agrees, under the file's lock, and drops its index
   * entry under the index's lock taken inside it. True when the file was deleted.
   */
  async function deleteSessionFile(
    key: SessionKey,
    shouldDelete: (document: SessionRecord) => boolean,
  ): Promise<boolean> {
    const filePath = sessionPath(key);
    try {
      return await withFileLock(`${filePath}.lock`, async () => {
        const document = readOwnedSession(key);
        const deleted = document !== undefined && shouldDelete(document);
        if (deleted) rmSync(filePath, { force: true });
        // An entry without a file of its own (deleted, or another owner's path) is dropped as well.
        if (deleted || document === undefined) await dropIndexEntry(key);
        return deleted;
      });
    } catch (error) {
      // No directory to hold the lock file (never made, or removed by a delete that just finished):
      // then there is no session file either.
      if (!hasErrorCode(error, 'ENOENT') || statIfExists(path.dirname(filePath)) !== undefined) throw error;
      await dropIndexEntry(key);
      return false;
    }
  }

  /** Removes the user's directory when nothing is left in it (its last lock file is gone too). */
  function removeDirectoryIfEmpty(userId: string): void {
    try {
      rmdirSync(userDirectory(userId));
    } catch (error) {
      if (!['ENOENT', 'ENOTEMPTY', 'EEXIST'].some((code) => hasErrorCode(error, code))) throw error;
    }
  }

  return {
    async getSession(key, options = {}) {
      const filePath = sessionPath(key);
      return storageCall(async () => {
        const record = readSession(filePath, key, { recentMessages: options.recentMessages });
        return record && presentSession(record);
      });
    },

    async beginTurn(input) {
      // Checked before the lock: a key no rule can store is refused without touching the file.
      appendOf(input);
      return updateSession(input.key, (record) => beginTurnOn(record, input));
    },

    async findTurn(key, clientMessageId) {
      const filePath = sessionPath(key);
      return storageCall(async () => {
        const record = readSession(filePath, key);
        return record && findTurnIn(record, clientMessageId);
      });
    },

    async claimTurn(input) {
      claimWrite(input);
      return updateSession(input.key, (record) => claimTurnOn(record, input));
    },

    async finishTurn(input) {
      finishWrite(input);
      return updateSession(input.key, (record) => finishTurnOn(record, input));
    },

    async setSessionTitle(key, title, source) {
      const filePath = sessionPath(key);
      const stored = storableTitle(title, source);
      // A session the user does not have is answered without taking a lock (nor making its directory).
      if (stored === undefined || statIfExists(filePath) === undefined) return false;
      return updateSession(key, (record) => retitleOn(record, stored, source));
    },

    async recordFeedback(userId, input) {
      assertUserId(userId);
      assertFeedbackMessageId(input.messageId);
      return storageCall(async () => {
        for (const sessionId of sessionIdsOnDisk(userId)) {
          const key = { userId, sessionId };
          const document = readOwnedSession(key);
          if (document === undefined || messageRoleIn(document, input.messageId) === undefined) continue;
          return updateSession(key, (record) => feedbackOn(record, input));
        }
        return { status: 'not_found' as const };
      });
    },

    async listSessions(userId, options = {}) {
      assertUserId(userId);
      return storageCall(async () => {
        const summaries = Object.values(readIndex().sessions)
          .filter((entry) => entry.user_id === userId)
          .flatMap((entry) => {
            const key = { userId, sessionId: entry.session_id };
            const document = readSession(sessionPath(key), key);
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
        for (const sessionId of sessionIdsOnDisk(userId)) {
          if (documents.length >= page.limit) break;
          if (after !== undefined && sessionId <= after) continue;
          const document = readOwnedSession({ userId, sessionId });
          if (document !== undefined) documents.push(presentSession(parseSessionRow(document).record));
        }
        return documents;
      });
    },

    async deleteSession(key) {
      assertSessionKey(key);
      return storageCall(async () => {
        const deleted = await deleteSessionFile(key, () => true);
        removeDirectoryIfEmpty(key.userId);
        return deleted;
      });
    },

    async deleteAllSessions(userId) {
      assertUserId(userId);
      return storageCall(async () => {
        // The directory is the truth; index entries are added so that stale ones are dropped too.
        const sessionIds = new Set(sessionIdsOnDisk(userId));
        for (const entry of Object.values(readIndex().sessions)) {
          if (entry.user_id === userId) sessionIds.add(entry.session_id);
        }
        let deleted = 0;
        for (const sessionId of sessionIds) {
          if (await deleteSessionFile({ userId, sessionId }, () => true)) deleted += 1;
        }
        removeDirectoryIfEmpty(userId);
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
        for (const userId of namesIn(dataDir).filter((name) => idPattern.test(name))) {
          if (deleted >= limit) break;
          for (const sessionId of sessionIdsOnDisk(userId)) {
            if (deleted >= limit) break;
            const key = { userId, sessionId };
            // Read without the lock first, so a sweep does not queue behind every live session; the
            // age is checked again under the lock before anything is deleted.
            const current = readForSweep(key);
            if (current === undefined || !isOld(current)) continue;
            if (await deleteSessionFile(key, isOld)) {
              deleted += 1;
              options.owners?.add(userId);
            }
          }
          removeDirectoryIfEmpty(userId);
        }
        return deleted;
      });
    },
  };

  /** A file that cannot be read is skipped by the sweep rather than stopping it for every other user. */
  function readForSweep(key: SessionKey): SessionRecord | undefined {
    try {
      return readOwnedSession(key);
    } catch {
      return undefined;
    }
  }
}

/**
 * The record if it is the key's. Another owner's file at this path (ids differing only in case, on a
 * case-insensitive disk) is never read, and never written over.
 */
function ownRecord(record: SessionRecord, key: SessionKey): SessionRecord {
  if (record.user_id !== key.userId || record.session_id !== key.sessionId) {
    throw new Error('session file belongs to another session');
  }
  return record;
}

/** Entry names of a directory; none when it does not exist. */
function namesIn(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return [];
    throw error;
  }
}

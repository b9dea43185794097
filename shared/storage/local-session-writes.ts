import { rmSync } from 'node:fs';
import path from 'node:path';
import { withFileLock } from './file-lock.js';
import type { LocalSessionFiles } from './local-session-files.js';
import type { LocalSessionIndex } from './local-session-index.js';
import { hasErrorCode, statIfExists, updateJsonFile } from './locked-json-file.js';
import { checkShape, ownRecord, readOwnedSession } from './read-session-files.js';
import type { SessionKey } from './session-document.js';
import type { SessionRecord } from './session-record.js';
import { storageCall } from './storage-guards.js';

/** The two locked writes of a session file: a change (keeping the index in step) and a deletion. */
export interface LocalSessionWrites {
  updateSession<T>(
    key: SessionKey,
    decide: (record: SessionRecord | undefined) => { change: SessionRecord | undefined; value: T },
  ): Promise<T>;
  deleteSessionFile(key: SessionKey, shouldDelete: (document: SessionRecord) => boolean): Promise<boolean>;
}

export function localSessionWrites(files: LocalSessionFiles, index: LocalSessionIndex): LocalSessionWrites {
  return {
    /**
     * Reads, changes and writes one session file under its lock (locked-json-file.ts); a version 1 file
     * is written back as version 2 by its first change.
     */
    async updateSession(key, decide) {
      const filePath = files.sessionPath(key);
      return storageCall(async () => {
        const { value, createdAt } = await updateJsonFile(filePath, (current) => {
          const existing = current === undefined ? undefined : ownRecord(checkShape(current), key);
          const { change, value } = decide(existing);
          return { next: change, value: { value, createdAt: change?.created_at ?? existing?.created_at } };
        });
        // Checked on every write, not only on creation, so a session left out of the index (a crash
        // between the two writes) is added on its next turn; with the index cached, this is one stat.
        if (createdAt !== undefined) await index.add(key, createdAt);
        return value;
      });
    },

    /**
     * Deletes the key's session file if `shouldDelete` agrees, under the file's lock, and drops its index
     * entry under the index's lock taken inside it. True when the file was deleted.
     */
    async deleteSessionFile(key, shouldDelete) {
      const filePath = files.sessionPath(key);
      try {
        return await withFileLock(`${filePath}.lock`, async () => {
          const document = readOwnedSession(filePath, key);
          const deleted = document !== undefined && shouldDelete(document);
          if (deleted) rmSync(filePath, { force: true });
          // An entry without a file of its own (deleted, or another owner's path) is dropped as well.
          if (deleted || document === undefined) await index.drop(key);
          return deleted;
        });
      } catch (error) {
        // No directory to hold the lock file (never made, or removed by a delete that just finished):
        // then there is no session file either.
        if (!hasErrorCode(error, 'ENOENT') || statIfExists(path.dirname(filePath)) !== undefined) throw error;
        await index.drop(key);
        return false;
      }
    },
  };
}

import { rmdirSync } from 'node:fs';
import path from 'node:path';
import { fileInside, hasErrorCode, namesIn } from './locked-json-file.js';
import { idPattern, type SessionKey } from './session-document.js';
import { assertSessionKey, assertUserId } from './storage-guards.js';

/** Where the local session store keeps its files, and what is on disk: `DATA_DIR/<user_id>/<session_id>.json`. */
export interface LocalSessionFiles {
  /** The session's file, refused with INVALID_ID for a key no file may have. */
  sessionPath(key: SessionKey): string;
  /** Session ids with a file in the user's directory, in code-unit order; lock and temp files are skipped. */
  sessionIdsOnDisk(userId: string): string[];
  /** The names under DATA_DIR that could be a user's directory (they match the id pattern). */
  userIdsOnDisk(): string[];
  /** Removes the user's directory when nothing is left in it (its last lock file is gone too). */
  removeDirectoryIfEmpty(userId: string): void;
}

export function localSessionFiles(dataDir: string): LocalSessionFiles {
  function userDirectory(userId: string): string {
    assertUserId(userId);
    return path.join(dataDir, userId);
  }

  return {
    sessionPath(key) {
      assertSessionKey(key);
      return fileInside(dataDir, [key.userId, `${key.sessionId}.json`], 'session_id');
    },

    sessionIdsOnDisk(userId) {
      return namesIn(userDirectory(userId))
        .filter((name) => name.endsWith('.json'))
        .map((name) => name.slice(0, -'.json'.length))
        .filter((sessionId) => idPattern.test(sessionId))
        .sort();
    },

    userIdsOnDisk() {
      return namesIn(dataDir).filter((name) => idPattern.test(name));
    },

    removeDirectoryIfEmpty(userId) {
      try {
        rmdirSync(userDirectory(userId));
      } catch (error) {
        if (!['ENOENT', 'ENOTEMPTY', 'EEXIST'].some((code) => hasErrorCode(error, code))) throw error;
      }
    },
  };
}

import path from 'node:path';
import { localSessionFiles } from './local-session-files.js';
import { localSessionIndex } from './local-session-index.js';
import { localPrivacyCalls } from './local-session-privacy.js';
import { localSessionWrites } from './local-session-writes.js';
import { statIfExists } from './locked-json-file.js';
import { readOwnedSession, readSession } from './read-session-files.js';
import {
  assertFeedbackMessageId,
  feedbackOn,
  messageRoleIn,
  retitleOn,
  storableTitle,
} from './session-annotations.js';
import { presentSession } from './session-record.js';
import type { SessionStore } from './session-store.js';
import { appendOf, claimWrite, findTurnIn, finishWrite } from './session-turns.js';
import { assertUserId, storageCall } from './storage-guards.js';
import { beginTurnOn, claimTurnOn, finishTurnOn } from './turn-rules-on-record.js';

/**
 * Sessions as files, the original Flask layout: `DATA_DIR/<user_id>/<session_id>.json` holds one session
 * document (local-session-files.ts), `DATA_DIR/sessions.json` lists every session (owner, id, creation
 * time; local-session-index.ts). Writes are atomic renames made under a lock file, so concurrent writers
 * (in this process or others) lose nothing (local-session-writes.ts). The index changes only when a
 * session is created, so an ordinary turn rewrites one file. How deletions keep the two in step is told
 * in local-session-privacy.ts.
 */
export function createLocalFileSessionStore(options: { dataDir: string }): SessionStore {
  const dataDir = path.resolve(options.dataDir);
  const files = localSessionFiles(dataDir);
  const index = localSessionIndex(dataDir);
  const writes = localSessionWrites(files, index);
  const { updateSession } = writes;

  return {
    async getSession(key, options = {}) {
      const filePath = files.sessionPath(key);
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
      const filePath = files.sessionPath(key);
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
      const filePath = files.sessionPath(key);
      const stored = storableTitle(title, source);
      // A session the user does not have is answered without taking a lock (nor making its directory).
      if (stored === undefined || statIfExists(filePath) === undefined) return false;
      return updateSession(key, (record) => retitleOn(record, stored, source));
    },

    async recordFeedback(userId, input) {
      assertUserId(userId);
      assertFeedbackMessageId(input.messageId);
      return storageCall(async () => {
        for (const sessionId of files.sessionIdsOnDisk(userId)) {
          const key = { userId, sessionId };
          const document = readOwnedSession(files.sessionPath(key), key);
          if (document === undefined || messageRoleIn(document, input.messageId) === undefined) continue;
          return updateSession(key, (record) => feedbackOn(record, input));
        }
        return { status: 'not_found' as const };
      });
    },

    ...localPrivacyCalls(files, index, writes),
  };
}

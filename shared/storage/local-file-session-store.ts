import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { AppError } from '../errors/app-error.js';
import { withFileLock } from './file-lock.js';
import { checkShape, readIfExists, statIfExists } from './read-session-files.js';
import {
  SESSION_SCHEMA_VERSION,
  type SessionDocument,
  type SessionKey,
  sessionDocumentSchema,
} from './session-document.js';
import type { SessionStore } from './session-store.js';
import { beginTurnIn, claimTurnIn, findTurnIn, finishTurnIn } from './session-turns.js';
import { assertSessionKey, assertUserId, storageCall } from './storage-guards.js';
import { writeFileAtomically } from './write-file-atomically.js';

const sessionIndexSchema = z.object({
  schema_version: z.literal(SESSION_SCHEMA_VERSION),
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
 */
export function createLocalFileSessionStore(options: { dataDir: string }): SessionStore {
  const dataDir = path.resolve(options.dataDir);
  const indexPath = path.join(dataDir, 'sessions.json');

  function sessionPath(key: SessionKey): string {
    assertSessionKey(key);
    const filePath = path.join(dataDir, key.userId, `${key.sessionId}.json`);
    // The pattern already rules out separators and dots; this guards against a future change to it.
    if (path.relative(dataDir, filePath).startsWith('..')) {
      throw new AppError('INVALID_ID', 'id 不合法。', { field: 'session_id' });
    }
    return filePath;
  }

  /**
   * Reads a session file. `validate: false` is for the re-read inside a write, moments after the same
   * turn validated the file: a structural check keeps a long session's turn cheap. With
   * `recentMessages`, only the messages returned are validated, not the whole history.
   */
  function readSession(
    filePath: string,
    key: SessionKey,
    options: { validate?: boolean; recentMessages?: number | undefined } = {},
  ): SessionDocument | undefined {
    const text = readIfExists(filePath);
    if (text === undefined) return undefined;
    const shaped = checkShape(JSON.parse(text));
    const document =
      options.recentMessages === undefined
        ? shaped
        : { ...shaped, messages: shaped.messages.slice(-options.recentMessages) };
    const checked = options.validate === false ? document : sessionDocumentSchema.parse(document);
    if (checked.user_id !== key.userId || checked.session_id !== key.sessionId) {
      // Another owner's file at this path (ids differing only in case, on a case-insensitive disk):
      // never read it, and never write over it.
      throw new Error('session file belongs to another session');
    }
    return checked;
  }

  // The index is re-read only when the file changed: every write renames a new file into place, so its
  // inode changes, which a stat sees without reading and parsing the whole index again.
  let cachedIndex: { inode: number; size: number; modifiedMs: number; index: SessionIndex } | undefined;
  function readIndex(): SessionIndex {
    const info = statIfExists(indexPath);
    if (info === undefined) return { schema_version: SESSION_SCHEMA_VERSION, sessions: {} };
    const cached = cachedIndex;
    if (cached?.inode === info.ino && cached.size === info.size && cached.modifiedMs === info.mtimeMs) {
      return cached.index;
    }
    const index = sessionIndexSchema.parse(JSON.parse(readFileSync(indexPath, 'utf8')));
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
    writeFileAtomically(indexPath, `${JSON.stringify(index, null, 1)}\n`);
    const info = statSync(indexPath);
    cachedIndex = { inode: info.ino, size: info.size, modifiedMs: info.mtimeMs, index };
  }

  /**
   * Read, change and write one session file under its lock. Writes are whole-file renames, so a reader
   * or a killed writer never sees half a file.
   */
  async function updateSession<T>(
    key: SessionKey,
    now: string,
    decide: (document: SessionDocument | undefined) => {
      change: { document: SessionDocument } | undefined;
      value: T;
    },
  ): Promise<T> {
    const filePath = sessionPath(key);
    return storageCall(async () => {
      mkdirSync(path.dirname(filePath), { recursive: true, mode: 0o700 });
      const { value, createdAt } = await withFileLock(`${filePath}.lock`, () => {
        const existing = readSession(filePath, key, { validate: false });
        const { change, value } = decide(existing);
        if (change !== undefined)
          writeFileAtomically(filePath, `${JSON.stringify(change.document, null, 1)}\n`);
        return { value, createdAt: change?.document.created_at ?? existing?.created_at };
      });
      // Checked on every write, not only on creation, so a session left out of the index (a crash
      // between the two writes) is added on its next turn; with the index cached, this is one stat.
      if (createdAt === undefined || readIndex().sessions[`${key.userId}/${key.sessionId}`] !== undefined) {
        return value;
      }
      await withFileLock(`${indexPath}.lock`, () => addToIndex(key, createdAt ?? now));
      return value;
    });
  }

  return {
    async getSession(key, options = {}) {
      const filePath = sessionPath(key);
      return storageCall(async () => readSession(filePath, key, { recentMessages: options.recentMessages }));
    },

    async beginTurn(input) {
      return updateSession(input.key, input.now, (document) => {
        const { change, result } = beginTurnIn(document, input);
        return { change, value: result };
      });
    },

    async findTurn(key, clientMessageId) {
      const filePath = sessionPath(key);
      return storageCall(async () => {
        const document = readSession(filePath, key);
        return (
          document && findTurnIn(document.messages, (message) => message.client_msg_id === clientMessageId)
        );
      });
    },

    async claimTurn(input) {
      return updateSession(input.key, input.now, (document) => {
        const { change, claimed } = claimTurnIn(document, input);
        return { change, value: claimed };
      });
    },

    async finishTurn(input) {
      return updateSession(input.key, input.now, (document) => {
        const { change, finished } = finishTurnIn(document, input);
        return { change, value: finished };
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
            if (document === undefined) return [];
            const { messages: _messages, ...summary } = document;
            return [summary];
          });
        return summaries
          .sort((left, right) => right.updated_at.localeCompare(left.updated_at))
          .slice(0, Math.min(options.limit ?? 100, 100));
      });
    },
  };
}

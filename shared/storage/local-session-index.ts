import { statSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { withFileLock } from './file-lock.js';
import { readIfExists, statIfExists, writeJsonFile } from './locked-json-file.js';
import type { SessionKey } from './session-document.js';

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
type IndexEntry = SessionIndex['sessions'][string];

/**
 * `DATA_DIR/sessions.json`, the list of every session (owner, id, creation time). It changes only when a
 * session is created or deleted, each change under its own lock file. Never wait for a session file's
 * lock while holding this one: deletions take the file's lock first and this one inside it.
 */
export interface LocalSessionIndex {
  entries(): IndexEntry[];
  /** Lists the session, under the index's lock, unless it is listed already. */
  add(key: SessionKey, createdAt: string): Promise<void>;
  /** Drops the key's index entry, if it has one, under the index's lock. */
  drop(key: SessionKey): Promise<void>;
}

export function localSessionIndex(dataDir: string): LocalSessionIndex {
  const indexPath = path.join(dataDir, 'sessions.json');

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

  function listed(key: SessionKey): boolean {
    return readIndex().sessions[entryKeyOf(key)] !== undefined;
  }

  function addToIndex(key: SessionKey, createdAt: string): void {
    const index = readIndex();
    const entryKey = entryKeyOf(key);
    if (index.sessions[entryKey] !== undefined) return;
    // The cached object is about to change; until the write succeeds it no longer matches the file.
    cachedIndex = undefined;
    index.sessions[entryKey] = { user_id: key.userId, session_id: key.sessionId, created_at: createdAt };
    writeJsonFile(indexPath, index);
    const info = statSync(indexPath);
    cachedIndex = { inode: info.ino, size: info.size, modifiedMs: info.mtimeMs, index };
  }

  function removeFromIndex(key: SessionKey): void {
    const index = readIndex();
    const entryKey = entryKeyOf(key);
    if (index.sessions[entryKey] === undefined) return;
    cachedIndex = undefined;
    const { [entryKey]: _removed, ...rest } = index.sessions;
    const updated: SessionIndex = { ...index, sessions: rest };
    writeJsonFile(indexPath, updated);
    const info = statSync(indexPath);
    cachedIndex = { inode: info.ino, size: info.size, modifiedMs: info.mtimeMs, index: updated };
  }

  return {
    entries: () => Object.values(readIndex().sessions),

    async add(key, createdAt) {
      if (listed(key)) return;
      await withFileLock(`${indexPath}.lock`, () => addToIndex(key, createdAt));
    },

    async drop(key) {
      if (!listed(key)) return;
      await withFileLock(`${indexPath}.lock`, () => removeFromIndex(key));
    },
  };
}

function entryKeyOf(key: SessionKey): string {
  return `${key.userId}/${key.sessionId}`;
}

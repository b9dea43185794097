import { rmSync } from 'node:fs';
import path from 'node:path';
import { withFileLock } from '../storage/file-lock.js';
import {
  fileInside,
  namesIn,
  readJsonIfExists,
  statIfExists,
  updateJsonFile,
} from '../storage/locked-json-file.js';
import { idPattern } from '../storage/session-document.js';
import { type MemoryDocument, memoryDocumentSchema } from './memory-document.js';
import { type MemoryStore, memoryItemId, memoryStoreOver } from './memory-store.js';

const suffix = '.memory.json';

function isOld(document: MemoryDocument, cutoffIso: string): boolean {
  return document.updated_at < cutoffIso;
}

/**
 * The memory as files: `DATA_DIR/memory/<user_id>.memory.json`, one document per user in the CloudBase
 * shape, changed under the file's lock (`updateJsonFile`) by an atomic rename. The name cannot meet a
 * session's: those are `DATA_DIR/<user_id>/<session_id>.json`, and a session id holds no dot, so even
 * the sessions of a user called `memory` never share a name with a file here.
 */
export function createLocalFileMemoryStore(options: { dataDir: string; newId?: () => string }): MemoryStore {
  const memoryDir = path.join(path.resolve(options.dataDir), 'memory');

  function memoryPath(userId: string): string {
    return fileInside(memoryDir, [`${userId}${suffix}`], 'user_id');
  }

  /** A file that cannot be read is skipped by the sweep rather than stopping it for every other user. */
  function readForSweep(userId: string): MemoryDocument | undefined {
    try {
      return parseOwned(readJsonIfExists(memoryPath(userId)), userId);
    } catch {
      return undefined;
    }
  }

  function parseOwned(contents: unknown, userId: string): MemoryDocument | undefined {
    if (contents === undefined) return undefined;
    const document = memoryDocumentSchema.parse(contents);
    // Another user's file at this path (ids differing only in case, on a case-insensitive disk).
    if (document.user_id !== userId) throw new Error('memory file belongs to another user');
    return document;
  }

  return memoryStoreOver(
    {
      load: async (userId) => parseOwned(readJsonIfExists(memoryPath(userId)), userId),
      update: (userId, decide) =>
        updateJsonFile(memoryPath(userId), (contents) => decide(parseOwned(contents, userId))),
      async remove(userId, updatedBefore) {
        const filePath = memoryPath(userId);
        if (statIfExists(filePath) === undefined) return false;
        return withFileLock(`${filePath}.lock`, () => {
          if (statIfExists(filePath) === undefined) return false;
          // delete_all removes the file unread, so even one that no longer parses goes.
          if (updatedBefore !== undefined) {
            const document = parseOwned(readJsonIfExists(filePath), userId);
            if (document === undefined || !isOld(document, updatedBefore)) return false;
          }
          rmSync(filePath, { force: true });
          return true;
        });
      },
      async listOwnersUpdatedBefore(cutoffIso, limit, afterUserId) {
        const owners = namesIn(memoryDir)
          .filter((name) => name.endsWith(suffix))
          .map((name) => name.slice(0, -suffix.length))
          .filter((userId) => idPattern.test(userId) && (afterUserId === undefined || userId > afterUserId))
          .sort();
        const old: string[] = [];
        for (const userId of owners) {
          if (old.length >= limit) break;
          const document = readForSweep(userId);
          if (document !== undefined && isOld(document, cutoffIso)) old.push(userId);
        }
        return old;
      },
    },
    options.newId ?? memoryItemId,
  );
}

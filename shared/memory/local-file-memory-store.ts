import { rmSync } from 'node:fs';
import path from 'node:path';
import { withFileLock } from '../storage/file-lock.js';
import { fileInside, readJsonIfExists, statIfExists, updateJsonFile } from '../storage/locked-json-file.js';
import { type MemoryDocument, memoryDocumentSchema } from './memory-document.js';
import { type MemoryStore, memoryItemId, memoryStoreOver } from './memory-store.js';

/**
 * The memory as files: `DATA_DIR/memory/<user_id>.memory.json`, one document per user in the CloudBase
 * shape, changed under the file's lock (`updateJsonFile`) by an atomic rename. The name cannot meet a
 * session's: those are `DATA_DIR/<user_id>/<session_id>.json`, and a session id holds no dot, so even
 * the sessions of a user called `memory` never share a name with a file here.
 */
export function createLocalFileMemoryStore(options: { dataDir: string; newId?: () => string }): MemoryStore {
  const memoryDir = path.join(path.resolve(options.dataDir), 'memory');

  function memoryPath(userId: string): string {
    return fileInside(memoryDir, [`${userId}.memory.json`], 'user_id');
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
      async remove(userId) {
        const filePath = memoryPath(userId);
        if (statIfExists(filePath) === undefined) return false;
        return withFileLock(`${filePath}.lock`, () => {
          const existed = statIfExists(filePath) !== undefined;
          rmSync(filePath, { force: true });
          return existed;
        });
      },
    },
    options.newId ?? memoryItemId,
  );
}

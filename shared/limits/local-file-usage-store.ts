import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors/app-error.js';
import { withFileLock } from '../storage/file-lock.js';
import { readIfExists } from '../storage/read-session-files.js';
import { assertUserId, storageCall } from '../storage/storage-guards.js';
import { writeFileAtomically } from '../storage/write-file-atomically.js';
import { countsAfterMessage, countsOf, type UsageDocument, usageDocumentSchema } from './usage-document.js';
import { assertTokenCount, type UsageStore } from './usage-store.js';
import { type UsageWindow, usageWindow } from './usage-window.js';

/**
 * Usage as files: `DATA_DIR/usage/<user_id>/<day>.json` holds one user's China day, in the same shape
 * as the CloudBase document. Every count is a read-modify-write under the file's lock (`withFileLock`:
 * a promise queue in this process, an O_EXCL lock file across processes) written by an atomic rename, so
 * several processes sharing DATA_DIR agree on every count and a reader never sees half a file. The
 * directory cannot meet a session's files: those are `DATA_DIR/<user_id>/<session_id>.json`, and ids
 * never contain a dot, so even the sessions of a user called `usage` are never named like a user's
 * directory here.
 */
export function createLocalFileUsageStore(options: { dataDir: string }): UsageStore {
  const usageDir = path.join(path.resolve(options.dataDir), 'usage');

  function usagePath(userId: string, window: UsageWindow): string {
    assertUserId(userId);
    const filePath = path.join(usageDir, userId, `${window.day}.json`);
    // The pattern already rules out separators and dots; this guards against a future change to it.
    if (path.relative(usageDir, filePath).startsWith('..')) {
      throw new AppError('INVALID_ID', 'id 不合法。', { field: 'user_id' });
    }
    return filePath;
  }

  function read(filePath: string, userId: string, window: UsageWindow): UsageDocument | undefined {
    const text = readIfExists(filePath);
    if (text === undefined) return undefined;
    const document = usageDocumentSchema.parse(JSON.parse(text));
    if (document.user_id !== userId || document.day !== window.day) {
      // Another user's file at this path (ids differing only in case, on a case-insensitive disk).
      throw new Error('usage file belongs to another user or day');
    }
    return document;
  }

  /** Reads, changes and writes one day's file under its lock; `change` returns undefined to write nothing. */
  async function update<T>(
    userId: string,
    now: Date,
    change: (document: UsageDocument, window: UsageWindow) => { next: UsageDocument | undefined; value: T },
  ): Promise<T> {
    const window = usageWindow(now);
    const filePath = usagePath(userId, window);
    return storageCall(async () => {
      mkdirSync(path.dirname(filePath), { recursive: true, mode: 0o700 });
      return withFileLock(`${filePath}.lock`, () => {
        const current = read(filePath, userId, window) ?? {
          user_id: userId,
          day: window.day,
          messages: 0,
          tokens: 0,
          minute: window.minute,
          minute_messages: 0,
          updated_at: now.toISOString(),
        };
        const { next, value } = change(current, window);
        if (next !== undefined) writeFileAtomically(filePath, `${JSON.stringify(next, null, 1)}\n`);
        return value;
      });
    });
  }

  return {
    async recordMessage(userId, now) {
      return update(userId, now, (document, window) => {
        // As in CloudBase, the window only moves forward: a `now` behind the stored minute counts into it.
        const sameWindow = document.minute >= window.minute;
        const next: UsageDocument = {
          ...document,
          messages: document.messages + 1,
          minute: sameWindow ? document.minute : window.minute,
          minute_messages: sameWindow ? document.minute_messages + 1 : 1,
          updated_at: now.toISOString(),
        };
        return { next, value: countsAfterMessage(next) };
      });
    },

    async refundMessage(userId, now) {
      return update(userId, now, (document) => ({
        next:
          document.messages > 0
            ? { ...document, messages: document.messages - 1, updated_at: now.toISOString() }
            : undefined,
        value: undefined,
      }));
    },

    async recordTokens(userId, now, tokens) {
      assertUserId(userId);
      assertTokenCount(tokens);
      if (tokens === 0) return;
      return update(userId, now, (document) => ({
        next: { ...document, tokens: document.tokens + tokens, updated_at: now.toISOString() },
        value: undefined,
      }));
    },

    async usageOf(userId, now) {
      const window = usageWindow(now);
      const filePath = usagePath(userId, window);
      return storageCall(async () => countsOf(read(filePath, userId, window), window));
    },

    async deleteUsageBefore(day) {
      return storageCall(async () => {
        let deleted = 0;
        const users = existsSync(usageDir) ? readdirSync(usageDir, { withFileTypes: true }) : [];
        for (const user of users.filter((entry) => entry.isDirectory())) {
          const userDir = path.join(usageDir, user.name);
          for (const file of readdirSync(userDir)) {
            // Day files are named YYYY-MM-DD.json, so names order as the days do.
            if (!/^\d{4}-\d{2}-\d{2}\.json$/.test(file) || file.slice(0, 10) >= day) continue;
            rmSync(path.join(userDir, file), { force: true });
            deleted += 1;
          }
        }
        return deleted;
      });
    },

    async deleteUsage(userId) {
      assertUserId(userId);
      const userDir = path.join(usageDir, userId);
      return storageCall(async () => {
        const days = readdirSync(userDir, { withFileTypes: true }).filter(
          (entry) => entry.isFile() && entry.name.endsWith('.json'),
        ).length;
        rmSync(userDir, { recursive: true, force: true });
        return days;
      }).catch((error: unknown) => {
        if ((error as { cause?: { code?: string } }).cause?.code === 'ENOENT') return 0;
        throw error;
      });
    },
  };
}

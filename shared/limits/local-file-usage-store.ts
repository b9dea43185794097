import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileInside, hasErrorCode, readJsonIfExists, updateJsonFile } from '../storage/locked-json-file.js';
import { assertUserId, storageCall } from '../storage/storage-guards.js';
import { countsAfterMessage, countsOf, type UsageDocument, usageDocumentSchema } from './usage-document.js';
import { assertTokenCount, type UsageStore } from './usage-store.js';
import { type UsageWindow, usageWindow } from './usage-window.js';

/**
 * Usage as files: `DATA_DIR/usage/<user_id>/<day>.json` holds one user's China day, in the same shape
 * as the CloudBase document. Every count is a read-modify-write under the file's lock
 * (`updateJsonFile`: a promise queue in this process, a lock file across processes) written by an atomic rename, so
 * several processes sharing DATA_DIR agree on every count and a reader never sees half a file. The
 * directory cannot meet a session's files: those are `DATA_DIR/<user_id>/<session_id>.json`, and ids
 * never contain a dot, so even the sessions of a user called `usage` are never named like a user's
 * directory here.
 */
export function createLocalFileUsageStore(options: { dataDir: string }): UsageStore {
  const usageDir = path.join(path.resolve(options.dataDir), 'usage');

  function usagePath(userId: string, window: UsageWindow): string {
    assertUserId(userId);
    return fileInside(usageDir, [userId, `${window.day}.json`], 'user_id');
  }

  function read(filePath: string, userId: string, window: UsageWindow): UsageDocument | undefined {
    return parseOwned(readJsonIfExists(filePath), userId, window);
  }

  function parseOwned(contents: unknown, userId: string, window: UsageWindow): UsageDocument | undefined {
    if (contents === undefined) return undefined;
    const document = usageDocumentSchema.parse(contents);
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
    return storageCall(async () =>
      updateJsonFile(filePath, (contents) => {
        const current = parseOwned(contents, userId, window) ?? {
          user_id: userId,
          day: window.day,
          messages: 0,
          tokens: 0,
          minute: window.minute,
          minute_messages: 0,
          updated_at: now.toISOString(),
        };
        return change(current, window);
      }),
    );
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
        if (hasErrorCode((error as { cause?: unknown }).cause, 'ENOENT')) return 0;
        throw error;
      });
    },
  };
}

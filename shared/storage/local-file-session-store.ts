import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import { withFileLock } from './file-lock.js';
import {
  SESSION_SCHEMA_VERSION,
  type SessionDocument,
  type SessionKey,
  type SessionSummary,
  sessionDocumentSchema,
  sessionSummarySchema,
} from './session-document.js';
import type { AppendTurnInput, SessionStore } from './session-store.js';
import { assertSessionKey, assertUserId, storageCall } from './storage-guards.js';
import { writeFileAtomically } from './write-file-atomically.js';

const sessionIndexSchema = z.object({
  schema_version: z.literal(SESSION_SCHEMA_VERSION),
  sessions: z.record(z.string(), sessionSummarySchema),
});
type SessionIndex = z.infer<typeof sessionIndexSchema>;

/**
 * Sessions as files, the original Flask layout: `DATA_DIR/<user_id>/<session_id>.json` holds one session
 * document, `DATA_DIR/sessions.json` the metadata of all of them. Writes are atomic renames made under a
 * lock file, so concurrent writers (in this process or others) never lose each other's turns.
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

  async function readSession(filePath: string, key: SessionKey): Promise<SessionDocument | undefined> {
    const text = await readFile(filePath, 'utf8').catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    if (text === undefined) return undefined;
    const document = sessionDocumentSchema.parse(JSON.parse(text));
    if (document.user_id !== key.userId || document.session_id !== key.sessionId) return undefined;
    return document;
  }

  async function updateIndex(summary: SessionSummary): Promise<void> {
    await withFileLock(`${indexPath}.lock`, async () => {
      const index = await readIndex();
      const entryKey = `${summary.user_id}/${summary.session_id}`;
      // Index updates run after the session lock is released, so a slower writer may arrive last with
      // an older picture of the session; the count only grows, so the larger one is the newer.
      const current = index.sessions[entryKey];
      if (current !== undefined && current.message_count > summary.message_count) return;
      index.sessions[entryKey] = summary;
      await writeFileAtomically(indexPath, `${JSON.stringify(index, null, 2)}\n`);
    });
  }

  async function readIndex(): Promise<SessionIndex> {
    const text = await readFile(indexPath, 'utf8').catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    if (text === undefined) return { schema_version: SESSION_SCHEMA_VERSION, sessions: {} };
    return sessionIndexSchema.parse(JSON.parse(text));
  }

  return {
    async getSession(key) {
      const filePath = sessionPath(key);
      return storageCall(() => readSession(filePath, key));
    },

    async appendTurn(input: AppendTurnInput) {
      const filePath = sessionPath(input.key);
      await storageCall(async () => {
        await mkdir(path.dirname(filePath), { recursive: true, mode: 0o700 });
        const written = await withFileLock(`${filePath}.lock`, async () => {
          const existing = await readSession(filePath, input.key);
          const document: SessionDocument = existing
            ? {
                ...existing,
                messages: [...existing.messages, ...input.messages],
                message_count: existing.message_count + input.messages.length,
                updated_at: input.now,
              }
            : {
                schema_version: SESSION_SCHEMA_VERSION,
                user_id: input.key.userId,
                session_id: input.key.sessionId,
                created_at: input.now,
                updated_at: input.now,
                message_count: input.seedMessages.length + input.messages.length,
                messages: [...input.seedMessages, ...input.messages],
              };
          await writeFileAtomically(filePath, `${JSON.stringify(document, null, 2)}\n`);
          return document;
        });
        const { messages: _messages, ...summary } = written;
        await updateIndex(summary);
      });
    },

    async listSessions(userId, options = {}) {
      assertUserId(userId);
      const index = await storageCall(readIndex);
      return Object.values(index.sessions)
        .filter((summary) => summary.user_id === userId)
        .sort((left, right) => right.updated_at.localeCompare(left.updated_at))
        .slice(0, options.limit ?? 100);
    },
  };
}

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';
}

import { createHash } from 'node:crypto';
import type { CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import {
  SESSION_SCHEMA_VERSION,
  type SessionDocument,
  type SessionKey,
  sessionDocumentSchema,
  sessionSummarySchema,
} from './session-document.js';
import type { AppendTurnInput, SessionStore } from './session-store.js';
import { assertSessionKey, assertUserId, storageCall } from './storage-guards.js';

/**
 * Sessions as documents of one CloudBase collection. The document id is derived from the owner and the
 * session id, and every query also filters on `user_id`, so a session can only be reached by its owner.
 * Appends use `$push`/`$inc` on the server, never a read-modify-write of the whole document, so
 * concurrent turns from several instances all land. A turn costs two round trips: one read, one write.
 */
export function createCloudbaseSessionStore(settings: {
  database: () => Promise<CloudbaseDatabase>;
  collection: string;
}): SessionStore {
  async function sessions() {
    return (await settings.database()).collection(settings.collection);
  }

  async function appendToExisting(input: AppendTurnInput): Promise<boolean> {
    const database = await settings.database();
    const result = await database
      .collection(settings.collection)
      .where({ _id: documentId(input.key), user_id: input.key.userId })
      .update({
        messages: database.command.push({ each: [...input.messages] }),
        message_count: database.command.inc(input.messages.length),
        updated_at: input.now,
      });
    return (result.updated ?? 0) > 0;
  }

  async function createWithTurn(input: AppendTurnInput): Promise<boolean> {
    const messages = [...input.seedMessages, ...input.messages];
    const document: SessionDocument = {
      schema_version: SESSION_SCHEMA_VERSION,
      user_id: input.key.userId,
      session_id: input.key.sessionId,
      created_at: input.now,
      updated_at: input.now,
      message_count: messages.length,
      messages,
    };
    try {
      await (await sessions()).add({ _id: documentId(input.key), ...document });
      return true;
    } catch (error) {
      // Another turn created the session first: this turn is appended to it instead.
      if (errorCode(error) === 'DATABASE_DUPLICATE_WRITE') return false;
      throw error;
    }
  }

  return {
    async getSession(key, options = {}) {
      assertSessionKey(key);
      return storageCall(async () => {
        const database = await settings.database();
        let query = database
          .collection(settings.collection)
          .where({ _id: documentId(key), user_id: key.userId });
        if (options.recentMessages !== undefined) {
          query = query.field({ messages: database.command.project.slice(-options.recentMessages) });
        }
        const result = await query.limit(1).get();
        const row = result.data[0];
        if (row === undefined) return undefined;
        return sessionDocumentSchema.parse(row);
      });
    },

    async appendTurn(input) {
      assertSessionKey(input.key);
      await storageCall(async () => {
        // Either path can lose a race (created meanwhile, or deleted meanwhile); a few alternations settle it.
        let tryCreateFirst = !input.sessionExisted;
        for (let attempt = 0; attempt < 3; attempt += 1) {
          if (tryCreateFirst ? await createWithTurn(input) : await appendToExisting(input)) return;
          tryCreateFirst = !tryCreateFirst;
        }
        throw new Error('session write did not settle');
      });
    },

    async listSessions(userId, options = {}) {
      assertUserId(userId);
      return storageCall(async () => {
        const result = await (await sessions())
          .where({ user_id: userId })
          .orderBy('updated_at', 'desc')
          .limit(Math.min(options.limit ?? 100, 100))
          .field({ messages: false })
          .get();
        return result.data.map((row) => sessionSummarySchema.parse(row));
      });
    },
  };
}

/**
 * A hash rather than a concatenation: ids may contain `_` and `-`, so joining two of them could make two
 * different owners' sessions collide.
 */
export function documentId(key: SessionKey): string {
  return `s_${createHash('sha256').update(`${key.userId}\n${key.sessionId}`).digest('hex').slice(0, 40)}`;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

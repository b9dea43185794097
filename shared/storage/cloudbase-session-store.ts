import { createHash } from 'node:crypto';
import type { CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import { assertCutoff, exportPage, sweepLimit } from './privacy-limits.js';
import {
  type SessionDocument,
  type SessionKey,
  sessionDocumentSchema,
  sessionSummarySchema,
} from './session-document.js';
import type { BeginTurnInput, SessionStore } from './session-store.js';
import { beginTurnIn, claimTurnIn, findTurnIn, finishTurnIn } from './session-turns.js';
import { assertSessionKey, assertUserId, storageCall } from './storage-guards.js';

/**
 * Sessions as documents of one CloudBase collection. The document id is derived from the owner and the
 * session id, and every query also filters on `user_id`, so a session can only be reached by its owner.
 * Appends use `$push`/`$inc` on the server, never a read-modify-write of the whole document, so
 * concurrent turns from several instances all land. Every write is conditional (see `session-store.ts`); a
 * turn costs four round trips: the read, the pending message, the reply, and the reply's status.
 */
export function createCloudbaseSessionStore(settings: {
  database: () => Promise<CloudbaseDatabase>;
  collection: string;
}): SessionStore {
  async function sessions() {
    return (await settings.database()).collection(settings.collection);
  }

  function ownedBy(key: SessionKey): Record<string, unknown> {
    return { _id: documentId(key), user_id: key.userId };
  }

  async function readWhole(key: SessionKey): Promise<SessionDocument | undefined> {
    const result = await (await sessions()).where(ownedBy(key)).limit(1).get();
    const row = result.data[0];
    return row === undefined ? undefined : sessionDocumentSchema.parse(row);
  }

  /** One conditional update; true when it changed the document. */
  async function updateWhere(condition: Record<string, unknown>, data: Record<string, unknown>) {
    const result = await (await sessions()).where(condition).update(data);
    return (result.updated ?? 0) > 0;
  }

  async function create(input: BeginTurnInput): Promise<boolean> {
    const created = beginTurnIn(undefined, input).change;
    if (created === undefined) return false;
    try {
      await (await sessions()).add({ _id: documentId(input.key), ...created.document });
      return true;
    } catch (error) {
      // Another turn created the session first: this turn is appended to it instead.
      if (errorCode(error) === 'DATABASE_DUPLICATE_WRITE') return false;
      throw error;
    }
  }

  async function append(input: BeginTurnInput): Promise<boolean> {
    const { command } = await settings.database();
    const clientId = input.question.client_msg_id;
    return updateWhere(
      // On an array field, `neq` holds when no element has the value: the append and the duplicate
      // check are one atomic step, so two sends of one message can never both be stored.
      clientId === undefined
        ? ownedBy(input.key)
        : { ...ownedBy(input.key), 'messages.client_msg_id': command.neq(clientId) },
      {
        messages: command.push({ each: [input.question] }),
        message_count: command.inc(1),
        updated_at: input.now,
      },
    );
  }

  /** Sets fields of the one user message matching `match`, through the positional `messages.$`. */
  async function setQuestionFields(
    key: SessionKey,
    match: Record<string, unknown>,
    fields: Record<string, unknown>,
    now: string,
  ): Promise<boolean> {
    const { command } = await settings.database();
    const positional = Object.fromEntries(
      Object.entries(fields).map(([field, value]) => [`messages.$.${field}`, value]),
    );
    return updateWhere(
      { ...ownedBy(key), messages: command.elemMatch({ role: 'user', ...match }) },
      { ...positional, updated_at: now },
    );
  }

  return {
    async getSession(key, options = {}) {
      assertSessionKey(key);
      return storageCall(async () => {
        const database = await settings.database();
        let query = database.collection(settings.collection).where(ownedBy(key));
        if (options.recentMessages !== undefined) {
          query = query.field({ messages: database.command.project.slice(-options.recentMessages) });
        }
        const result = await query.limit(1).get();
        const row = result.data[0];
        if (row === undefined) return undefined;
        return sessionDocumentSchema.parse(row);
      });
    },

    async beginTurn(input) {
      assertSessionKey(input.key);
      return storageCall(async () => {
        let sessionExists = input.sessionExisted;
        // A lost race (created or deleted meanwhile) is settled by reading what is there now.
        for (let attempt = 0; attempt < 4; attempt += 1) {
          if (sessionExists ? await append(input) : await create(input)) return { started: true };
          const document = await readWhole(input.key);
          const { change, result } = beginTurnIn(document, input);
          if (change === undefined) return result;
          sessionExists = document !== undefined;
        }
        throw new Error('session write did not settle');
      });
    },

    async findTurn(key, clientMessageId) {
      assertSessionKey(key);
      return storageCall(async () => {
        const document = await readWhole(key);
        return (
          document && findTurnIn(document.messages, (message) => message.client_msg_id === clientMessageId)
        );
      });
    },

    async claimTurn(input) {
      assertSessionKey(input.key);
      return storageCall(async () => {
        const { command } = await settings.database();
        const claimed = await setQuestionFields(
          input.key,
          {
            message_id: input.messageId,
            attempt_id: input.previousAttemptId,
            status: command.in(['pending', 'failed']),
          },
          {
            status: 'pending',
            attempt_id: input.attemptId,
            attempt_at: input.now,
            attempts: command.inc(1),
            error_code: command.remove(),
          },
          input.now,
        );
        const document = await readWhole(input.key);
        // The claim's condition cannot also say "no reply yet" (a second condition on the same array
        // would make `messages.$` ambiguous), so a reply that landed just before it is checked here: the
        // turn is then complete, and the claim changed only its attempt id.
        const turn =
          document && findTurnIn(document.messages, (message) => message.message_id === input.messageId);
        if (claimed) return turn?.reply === undefined;
        const outcome = claimTurnIn(document, input);
        return outcome.change === undefined && outcome.claimed;
      });
    },

    async finishTurn(input) {
      assertSessionKey(input.key);
      return storageCall(async () => {
        const { command } = await settings.database();
        const owner = { message_id: input.messageId, attempt_id: input.attemptId };
        const { outcome } = input;
        const landed =
          outcome.status === 'complete'
            ? await updateWhere(
                {
                  ...ownedBy(input.key),
                  messages: command.elemMatch({ role: 'user', ...owner, status: 'pending' }),
                  'messages.reply_to': command.neq(input.messageId),
                },
                {
                  messages: command.push({ each: [outcome.reply] }),
                  message_count: command.inc(1),
                  updated_at: input.now,
                },
              )
            : await setQuestionFields(
                input.key,
                { ...owner, status: 'pending' },
                { status: outcome.status, error_code: outcome.errorCode },
                input.now,
              );
        if (!landed) {
          const settled = finishTurnIn(await readWhole(input.key), input);
          if (settled.change !== undefined || !settled.finished) return false;
        }
        if (outcome.status === 'complete') {
          // The stored reply already settles the turn; the status only makes the record read plainly,
          // so losing this second write costs nothing.
          await setQuestionFields(input.key, owner, { status: 'complete' }, input.now).catch(() => false);
        }
        return true;
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

    async exportSessions(userId, options = {}) {
      assertUserId(userId);
      const page = exportPage(options);
      return storageCall(async () => {
        const database = await settings.database();
        const documents: SessionDocument[] = [];
        let after = page.afterSessionId;
        // Keyset pages on session_id rather than skip(): stable while the user keeps chatting, and each
        // page is one indexed range read. A get() returns at most 100 rows unless told otherwise.
        while (documents.length < page.limit) {
          const size = Math.min(pageSize, page.limit - documents.length);
          const condition =
            after === undefined
              ? { user_id: userId }
              : { user_id: userId, session_id: database.command.gt(after) };
          const result = await database
            .collection(settings.collection)
            .where(condition)
            .orderBy('session_id', 'asc')
            .limit(size)
            .get();
          const rows = result.data.map((row) => sessionDocumentSchema.parse(row));
          documents.push(...rows);
          after = rows.at(-1)?.session_id;
          if (rows.length < size) break;
        }
        return documents;
      });
    },

    async deleteSession(key) {
      assertSessionKey(key);
      return storageCall(async () => {
        const result = await (await sessions()).where(ownedBy(key)).remove();
        return (result.deleted ?? 0) > 0;
      });
    },

    async deleteAllSessions(userId) {
      assertUserId(userId);
      return storageCall(async () => {
        const collection = await sessions();
        let deleted = 0;
        // One where().remove() deletes every match; asking again until nothing is left also covers a
        // server that caps one call (not documented either way) and a session created meanwhile.
        for (let round = 0; round < maxRemoveRounds; round += 1) {
          const removed = (await collection.where({ user_id: userId }).remove()).deleted ?? 0;
          deleted += removed;
          if (removed === 0) break;
        }
        return deleted;
      });
    },

    async deleteSessionsUpdatedBefore(cutoffIso, options = {}) {
      assertCutoff(cutoffIso);
      const limit = sweepLimit(options.limit);
      return storageCall(async () => {
        const database = await settings.database();
        const collection = database.collection(settings.collection);
        const { command } = database;
        let deleted = 0;
        // In batches: pick the oldest ids, then remove those still old. remove() takes no limit, and
        // the repeated condition spares a session a turn updated between the two calls.
        while (deleted < limit) {
          const size = Math.min(pageSize, limit - deleted);
          const picked = await collection
            .where({ updated_at: command.lt(cutoffIso) })
            .orderBy('updated_at', 'asc')
            .limit(size)
            .field({ updated_at: true })
            .get();
          const ids = picked.data.flatMap((row) => (typeof row._id === 'string' ? [row._id] : []));
          if (ids.length === 0) break;
          const removed =
            (await collection.where({ _id: command.in(ids), updated_at: command.lt(cutoffIso) }).remove())
              .deleted ?? 0;
          deleted += removed;
          if (removed === 0 || picked.data.length < size) break;
        }
        return deleted;
      });
    },
  };
}

/** Rows per get(): the SDK's default and the page size every CloudBase environment accepts. */
const pageSize = 100;
const maxRemoveRounds = 10;

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

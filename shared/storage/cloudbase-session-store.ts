import {
  hashedDocumentId,
  insertUnlessPresent,
  readOne,
  updateWhere,
} from '../cloudbase/cloudbase-collection.js';
import type { CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import { cloudbaseAnnotationCalls } from './cloudbase-session-annotations.js';
import { cloudbasePrivacyCalls } from './cloudbase-session-privacy.js';
import {
  LEGACY_SESSION_SCHEMA_VERSION,
  SESSION_SCHEMA_VERSION,
  type SessionKey,
} from './session-document.js';
import { overviewAfterReply } from './session-overview.js';
import { parseSessionRow, presentSession, type SessionRecord, turnKey } from './session-record.js';
import type { SessionStore } from './session-store.js';
import {
  type Append,
  appendOf,
  claimWrite,
  findTurnIn,
  finishWrite,
  newRecord,
  settleBegin,
  settleClaim,
  settleFinish,
  type TurnWrite,
} from './session-turns.js';
import { assertSessionKey, storageCall } from './storage-guards.js';

type Row = Record<string, unknown>;
type Command = CloudbaseDatabase['command'];

/**
 * Sessions as documents of one CloudBase collection (the record of session-record.ts). The document id
 * is derived from the owner and the session id, and every query also filters on `user_id`, so a session
 * can only be reached by its owner.
 *
 * Each turn write of session-turns.ts is one conditional update on plain dotted fields (docs/storage.md
 * lists the operators and the documentation behind them): the condition is the rule, checked by the
 * database atomically with the write, so concurrent instances never both win. A warm turn costs one
 * request per store call: the read, the pending question (or the new session), the outcome. Only when a
 * write changes nothing is the document read, to tell a repeat or a lost race from a refusal, and a
 * version 1 document is upgraded there, once.
 */
export function createCloudbaseSessionStore(settings: {
  database: () => Promise<CloudbaseDatabase>;
  collection: string;
}): SessionStore {
  const ownedBy = (key: SessionKey): Row => ({ _id: documentId(key), user_id: key.userId });

  async function open() {
    const database = await settings.database();
    return { sessions: database.collection(settings.collection), command: database.command };
  }

  async function readRecord(key: SessionKey) {
    const row = await readOne((await open()).sessions, ownedBy(key));
    return row === undefined ? undefined : parseSessionRow(row);
  }

  /**
   * Writes the turn maps of a version 1 document, unless it changed since it was read (a writer of the
   * previous version still running during a deploy); the caller then reads it again.
   */
  async function upgrade(key: SessionKey, record: SessionRecord): Promise<void> {
    const { sessions, command } = await open();
    await updateWhere(
      sessions,
      {
        ...ownedBy(key),
        schema_version: LEGACY_SESSION_SCHEMA_VERSION,
        message_count: record.message_count,
        updated_at: record.updated_at,
      },
      {
        schema_version: SESSION_SCHEMA_VERSION,
        turns: command.set(record.turns),
        client_msg_ids: command.set(record.client_msg_ids),
      },
    );
  }

  async function append(key: SessionKey, change: Append, now: string): Promise<boolean> {
    const { sessions, command } = await open();
    return updateWhere(
      sessions,
      {
        ...ownedBy(key),
        schema_version: SESSION_SCHEMA_VERSION,
        [`client_msg_ids.${change.clientKey}`]: command.exists(false),
      },
      {
        messages: command.push({ each: [change.question] }),
        message_count: command.inc(1),
        updated_at: now,
        last_message_preview: change.preview,
        [`turns.${turnKey(change.messageId)}`]: command.set(change.state),
        [`client_msg_ids.${change.clientKey}`]: change.messageId,
      },
    );
  }

  /** One turn write; on a miss, the answer `settle` reads from the document as it now is. */
  async function writeTurn(
    key: SessionKey,
    write: TurnWrite,
    now: string,
    settle: (record: SessionRecord | undefined) => boolean,
  ): Promise<boolean> {
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const { sessions, command } = await open();
      if (
        await updateWhere(
          sessions,
          turnCondition(ownedBy(key), write, command),
          turnUpdate(write, now, command),
        )
      )
        return true;
      const found = await readRecord(key);
      if (found?.legacy !== true) return settle(found?.record);
      await upgrade(key, found.record);
    }
    throw new Error('session write did not settle');
  }

  return {
    async getSession(key, options = {}) {
      assertSessionKey(key);
      return storageCall(async () => {
        const { sessions, command } = await open();
        let query = sessions.where(ownedBy(key));
        if (options.recentMessages !== undefined) {
          query = query.field({ messages: command.project.slice(-options.recentMessages) });
        }
        const row = (await query.limit(1).get()).data[0];
        return row === undefined ? undefined : presentSession(parseSessionRow(row).record);
      });
    },

    async beginTurn(input) {
      assertSessionKey(input.key);
      const change = appendOf(input);
      return storageCall(async () => {
        let sessionExists = input.sessionExisted;
        // A lost race (created or deleted meanwhile) is settled by reading what is there now.
        for (let attempt = 0; attempt < 5; attempt += 1) {
          const landed = sessionExists
            ? await append(input.key, change, input.now)
            : await insertUnlessPresent((await open()).sessions, documentId(input.key), newRecord(input));
          if (landed) return { started: true };
          const found = await readRecord(input.key);
          sessionExists = found !== undefined;
          if (found?.legacy === true) await upgrade(input.key, found.record);
          else if (found !== undefined) {
            const settled = settleBegin(found.record, change);
            if (settled !== undefined) return settled;
          }
        }
        throw new Error('session write did not settle');
      });
    },

    async findTurn(key, clientMessageId) {
      assertSessionKey(key);
      return storageCall(async () => {
        const found = await readRecord(key);
        return found && findTurnIn(found.record, clientMessageId);
      });
    },

    async claimTurn(input) {
      assertSessionKey(input.key);
      const write = claimWrite(input);
      return storageCall(() =>
        writeTurn(input.key, write, input.now, (record) => settleClaim(record, input)),
      );
    },

    async finishTurn(input) {
      assertSessionKey(input.key);
      const write = finishWrite(input);
      return storageCall(() =>
        writeTurn(input.key, write, input.now, (record) => settleFinish(record, input)),
      );
    },

    ...cloudbasePrivacyCalls({ ...settings, ownedBy }),
    ...cloudbaseAnnotationCalls({ ...settings, ownedBy }),
  };
}

/** The rule of a turn write as a query: the turn is owned by the attempt and in an allowed state. */
function turnCondition(owner: Row, write: TurnWrite, command: Command): Row {
  const path = `turns.${turnKey(write.messageId)}`;
  const [only, ...others] = write.statuses;
  return {
    ...owner,
    [`${path}.attempt_id`]: write.attemptId,
    [`${path}.status`]: others.length === 0 ? only : command.in([...write.statuses]),
  };
}

function turnUpdate(write: TurnWrite, now: string, command: Command): Row {
  const path = `turns.${turnKey(write.messageId)}`;
  const data: Row = { updated_at: now };
  for (const [field, value] of Object.entries(write.set)) data[`${path}.${field}`] = value;
  if (write.removeErrorCode) data[`${path}.error_code`] = command.remove();
  if (write.countAttempt) data[`${path}.attempts`] = command.inc(1);
  // Replaced whole (Command.set), so no field of an older value survives beside the new one.
  for (const [field, value] of Object.entries(write.session ?? {})) data[field] = command.set(value);
  if (write.append !== undefined) {
    data.messages = command.push({ each: [write.append] });
    data.message_count = command.inc(1);
    Object.assign(data, overviewAfterReply(write.append));
  }
  return data;
}

export function documentId(key: SessionKey): string {
  return hashedDocumentId('s', key.userId, key.sessionId);
}

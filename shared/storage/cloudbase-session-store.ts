import { insertUnlessPresent } from '../cloudbase/cloudbase-collection.js';
import { cloudbaseAnnotationCalls } from './cloudbase-session-annotations.js';
import {
  type CloudbaseSessionSettings,
  documentId,
  openSessions,
  ownedBy,
  readSessionRecord,
  upgradeLegacySession,
} from './cloudbase-session-documents.js';
import { cloudbasePrivacyCalls } from './cloudbase-session-privacy.js';
import { appendTurn, writeTurn } from './cloudbase-turn-writes.js';
import { parseSessionRow, presentSession } from './session-record.js';
import type { SessionStore } from './session-store.js';
import {
  appendOf,
  claimWrite,
  findTurnIn,
  finishWrite,
  newRecord,
  settleBegin,
  settleClaim,
  settleFinish,
} from './session-turns.js';
import { assertSessionKey, storageCall } from './storage-guards.js';

export { documentId } from './cloudbase-session-documents.js';

/**
 * Sessions as documents of one CloudBase collection (the record of session-record.ts). The document id
 * is derived from the owner and the session id, and every query also filters on `user_id`, so a session
 * can only be reached by its owner.
 *
 * Each turn write of session-turns.ts is one conditional update on plain dotted fields
 * (cloudbase-turn-writes.ts; docs/storage.md lists the operators and the documentation behind them): the
 * condition is the rule, checked by the database atomically with the write, so concurrent instances
 * never both win. A warm turn costs one request per store call: the read, the pending question (or the
 * new session), the outcome. Only when a write changes nothing is the document read, to tell a repeat or
 * a lost race from a refusal, and a version 1 document is upgraded there, once.
 */
export function createCloudbaseSessionStore(settings: CloudbaseSessionSettings): SessionStore {
  return {
    async getSession(key, options = {}) {
      assertSessionKey(key);
      return storageCall(async () => {
        const { sessions, command } = await openSessions(settings);
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
            ? await appendTurn(settings, input.key, change, input.now)
            : await insertUnlessPresent(
                (await openSessions(settings)).sessions,
                documentId(input.key),
                newRecord(input),
              );
          if (landed) return { started: true };
          const found = await readSessionRecord(settings, input.key);
          sessionExists = found !== undefined;
          if (found?.legacy === true) await upgradeLegacySession(settings, input.key, found.record);
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
        const found = await readSessionRecord(settings, key);
        return found && findTurnIn(found.record, clientMessageId);
      });
    },

    async claimTurn(input) {
      assertSessionKey(input.key);
      const write = claimWrite(input);
      return storageCall(() =>
        writeTurn(settings, input.key, write, input.now, (record) => settleClaim(record, input)),
      );
    },

    async finishTurn(input) {
      assertSessionKey(input.key);
      const write = finishWrite(input);
      return storageCall(() =>
        writeTurn(settings, input.key, write, input.now, (record) => settleFinish(record, input)),
      );
    },

    ...cloudbasePrivacyCalls({ ...settings, ownedBy }),
    ...cloudbaseAnnotationCalls({ ...settings, ownedBy }),
  };
}

import { readOne, updateWhere } from '../cloudbase/cloudbase-collection.js';
import type { CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import { assertFeedbackMessageId, feedbackOf, messageRoleIn, storableTitle } from './session-annotations.js';
import type { SessionKey } from './session-document.js';
import { feedbackKey } from './session-overview.js';
import { parseSessionRow } from './session-record.js';
import type { SessionStore } from './session-store.js';
import { assertSessionKey, assertUserId, storageCall } from './storage-guards.js';

type AnnotationCalls = Pick<SessionStore, 'setSessionTitle' | 'recordFeedback'>;

/**
 * The CloudBase session store's titles and feedback: each one conditional update of plain dotted
 * fields (`title`, `title_source`, `feedback.f_<message_id>`), never a rewrite of the messages. When the
 * update changes nothing, the document is read to tell "already so" from "not there" or "refused".
 */
export function cloudbaseAnnotationCalls(settings: {
  database: () => Promise<CloudbaseDatabase>;
  collection: string;
  ownedBy: (key: SessionKey) => Record<string, unknown>;
}): AnnotationCalls {
  async function open() {
    const database = await settings.database();
    return { sessions: database.collection(settings.collection), command: database.command };
  }

  async function readRecord(key: SessionKey) {
    const row = await readOne((await open()).sessions, settings.ownedBy(key));
    return row === undefined ? undefined : parseSessionRow(row).record;
  }

  return {
    async setSessionTitle(key, title, source) {
      assertSessionKey(key);
      const stored = storableTitle(title, source);
      if (stored === undefined) return false;
      return storageCall(async () => {
        const { sessions, command } = await open();
        // The model's title only where the user has not titled the session (a missing field is not 'user').
        const condition =
          source === 'model'
            ? { ...settings.ownedBy(key), title_source: command.neq('user') }
            : settings.ownedBy(key);
        if (await updateWhere(sessions, condition, { title: stored, title_source: source })) return true;
        const record = await readRecord(key);
        return record?.title === stored && record.title_source === source;
      });
    },

    async recordFeedback(userId, input) {
      assertUserId(userId);
      assertFeedbackMessageId(input.messageId);
      return storageCall(async () => {
        const { sessions, command } = await open();
        // One of the user's sessions holding the message (message ids are unique across sessions).
        const row = await readOne(sessions, { user_id: userId, 'messages.message_id': input.messageId });
        if (row === undefined) return { status: 'not_found' as const };
        const record = parseSessionRow(row).record;
        if (messageRoleIn(record, input.messageId) !== 'agent') return { status: 'not_a_reply' as const };
        const key = { userId, sessionId: record.session_id };
        const landed = await updateWhere(sessions, settings.ownedBy(key), {
          [`feedback.${feedbackKey(input.messageId)}`]: command.set(feedbackOf(input)),
        });
        // Nothing changed: the same rating again, or the session deleted meanwhile.
        if (!landed && (await readRecord(key)) === undefined) return { status: 'not_found' as const };
        return { status: 'stored' as const, sessionId: record.session_id };
      });
    },
  };
}

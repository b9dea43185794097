import { updateWhere } from '../cloudbase/cloudbase-collection.js';
import type { CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import {
  type CloudbaseSessionSettings,
  openSessions,
  ownedBy,
  type Row,
  readSessionRecord,
  upgradeLegacySession,
} from './cloudbase-session-documents.js';
import { SESSION_SCHEMA_VERSION, type SessionKey } from './session-document.js';
import { overviewAfterReply } from './session-overview.js';
import { type SessionRecord, turnKey } from './session-record.js';
import type { Append, TurnWrite } from './session-turns.js';

type Command = CloudbaseDatabase['command'];

/**
 * The turn rules of session-turns.ts as CloudBase writes, each one conditional update (docs/storage.md
 * shows them as sent); why one update per rule: cloudbase-session-store.ts.
 */
export async function appendTurn(
  settings: CloudbaseSessionSettings,
  key: SessionKey,
  change: Append,
  now: string,
): Promise<boolean> {
  const { sessions, command } = await openSessions(settings);
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
export async function writeTurn(
  settings: CloudbaseSessionSettings,
  key: SessionKey,
  write: TurnWrite,
  now: string,
  settle: (record: SessionRecord | undefined) => boolean,
): Promise<boolean> {
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const { sessions, command } = await openSessions(settings);
    if (
      await updateWhere(
        sessions,
        turnCondition(ownedBy(key), write, command),
        turnUpdate(write, now, command),
      )
    )
      return true;
    const found = await readSessionRecord(settings, key);
    if (found?.legacy !== true) return settle(found?.record);
    await upgradeLegacySession(settings, key, found.record);
  }
  throw new Error('session write did not settle');
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

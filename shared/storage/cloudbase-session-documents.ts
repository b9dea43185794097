import { hashedDocumentId, readOne, updateWhere } from '../cloudbase/cloudbase-collection.js';
import type { CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import {
  LEGACY_SESSION_SCHEMA_VERSION,
  SESSION_SCHEMA_VERSION,
  type SessionKey,
} from './session-document.js';
import { parseSessionRow, type SessionRecord } from './session-record.js';

export type Row = Record<string, unknown>;

export interface CloudbaseSessionSettings {
  database: () => Promise<CloudbaseDatabase>;
  collection: string;
}

/** One document per session that every instance finds without a query (cloudbase-collection.ts). */
export function documentId(key: SessionKey): string {
  return hashedDocumentId('s', key.userId, key.sessionId);
}

/** The condition that selects the session's document, and only if it is the owner's. */
export function ownedBy(key: SessionKey): Row {
  return { _id: documentId(key), user_id: key.userId };
}

/** The sessions collection and the database's operators. */
export async function openSessions(settings: CloudbaseSessionSettings) {
  const database = await settings.database();
  return { sessions: database.collection(settings.collection), command: database.command };
}

export async function readSessionRecord(settings: CloudbaseSessionSettings, key: SessionKey) {
  const row = await readOne((await openSessions(settings)).sessions, ownedBy(key));
  return row === undefined ? undefined : parseSessionRow(row);
}

/**
 * Writes the turn maps of a version 1 document, unless it changed since it was read (a writer of the
 * previous version still running during a deploy); the caller then reads it again.
 */
export async function upgradeLegacySession(
  settings: CloudbaseSessionSettings,
  key: SessionKey,
  record: SessionRecord,
): Promise<void> {
  const { sessions, command } = await openSessions(settings);
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

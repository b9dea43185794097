import { readIfExists } from './locked-json-file.js';
import {
  LEGACY_SESSION_SCHEMA_VERSION,
  SESSION_SCHEMA_VERSION,
  type SessionKey,
} from './session-document.js';
import { parseSessionRow, type SessionRecord, upgradeLegacy } from './session-record.js';

/**
 * Reads a session file in full validation (the re-read inside a write only checks its shape: the same
 * turn validated it moments before). With `recentMessages`, only those messages are returned.
 */
export function readSession(
  filePath: string,
  key: SessionKey,
  options: { recentMessages?: number | undefined } = {},
): SessionRecord | undefined {
  const text = readIfExists(filePath);
  if (text === undefined) return undefined;
  const shaped = checkShape(JSON.parse(text));
  const document =
    options.recentMessages === undefined
      ? shaped
      : { ...shaped, messages: shaped.messages.slice(-options.recentMessages) };
  return ownRecord(parseSessionRow(document).record, key);
}

/**
 * The session document at the key's path if it is this key's, undefined when there is no file or the
 * file is another owner's (ids that differ only in case, on a case-insensitive disk).
 */
export function readOwnedSession(filePath: string, key: SessionKey): SessionRecord | undefined {
  const text = readIfExists(filePath);
  if (text === undefined) return undefined;
  const document = checkShape(JSON.parse(text));
  return document.user_id === key.userId && document.session_id === key.sessionId ? document : undefined;
}

/**
 * The record if it is the key's. Another owner's file at this path (ids differing only in case, on a
 * case-insensitive disk) is never read, and never written over.
 */
export function ownRecord(record: SessionRecord, key: SessionKey): SessionRecord {
  if (record.user_id !== key.userId || record.session_id !== key.sessionId) {
    throw new Error('session file belongs to another session');
  }
  return record;
}

/**
 * The cheap structural check for a session file re-read inside a write, moments after the same turn
 * validated it in full. A version 1 file is upgraded in memory (and written as version 2 by the write).
 */
export function checkShape(value: unknown): SessionRecord {
  const document = value as Partial<SessionRecord> | null;
  const version = document?.schema_version as number | undefined;
  if (
    typeof document !== 'object' ||
    document === null ||
    (version !== SESSION_SCHEMA_VERSION && version !== LEGACY_SESSION_SCHEMA_VERSION) ||
    typeof document.created_at !== 'string' ||
    typeof document.user_id !== 'string' ||
    typeof document.session_id !== 'string' ||
    !Array.isArray(document.messages) ||
    (version === SESSION_SCHEMA_VERSION &&
      (typeof document.turns !== 'object' || typeof document.client_msg_ids !== 'object'))
  ) {
    throw new Error('session file does not match the session schema');
  }
  if (version === LEGACY_SESSION_SCHEMA_VERSION) {
    return upgradeLegacy(document as unknown as Parameters<typeof upgradeLegacy>[0]);
  }
  return document as SessionRecord;
}

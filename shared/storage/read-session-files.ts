import { LEGACY_SESSION_SCHEMA_VERSION, SESSION_SCHEMA_VERSION } from './session-document.js';
import { type SessionRecord, upgradeLegacy } from './session-record.js';

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

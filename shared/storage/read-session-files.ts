import { readFileSync, statSync } from 'node:fs';
import { SESSION_SCHEMA_VERSION, type SessionDocument } from './session-document.js';

/**
 * The cheap structural check for a session file re-read inside a write, moments after the same turn
 * validated it in full.
 */
export function checkShape(value: unknown): SessionDocument {
  const document = value as Partial<SessionDocument> | null;
  if (
    typeof document !== 'object' ||
    document === null ||
    document.schema_version !== SESSION_SCHEMA_VERSION ||
    typeof document.created_at !== 'string' ||
    typeof document.user_id !== 'string' ||
    typeof document.session_id !== 'string' ||
    !Array.isArray(document.messages)
  ) {
    throw new Error('session file does not match the session schema');
  }
  return document as SessionDocument;
}

export function statIfExists(filePath: string) {
  try {
    return statSync(filePath);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export function readIfExists(filePath: string): string | undefined {
  try {
    return readFileSync(filePath, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';
}

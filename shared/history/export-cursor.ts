import { idPattern } from '../storage/session-document.js';

/** Where an export page starts: after a whole session, or inside one at a message offset. */
export type ExportCursor =
  | { kind: 'after_session'; sessionId: string }
  | { kind: 'in_session'; sessionId: string; messageOffset: number };

/** `SESSION_ID` (after that session) or `SESSION_ID:OFFSET` (inside it, from that message on). */
export const exportCursorPattern = new RegExp(`^(${idPattern.source.slice(1, -1)})(?::(\\d{1,7}))?$`);

/** Renders a cursor the way `parseHistoryRequest` reads it back. */
export function formatExportCursor(cursor: ExportCursor): string {
  return cursor.kind === 'after_session' ? cursor.sessionId : `${cursor.sessionId}:${cursor.messageOffset}`;
}

/** Reads a cursor text that already matched `exportCursorPattern`. */
export function toExportCursor(text: string): ExportCursor {
  const [, sessionId = '', offset] = exportCursorPattern.exec(text) ?? [];
  return offset === undefined
    ? { kind: 'after_session', sessionId }
    : { kind: 'in_session', sessionId, messageOffset: Number(offset) };
}

import type { ExportCursor } from './export-cursor.js';
import type { MemoryRequest, SessionNoteRequest } from './parse-memory-request.js';

/**
 * The `history` function's requests, one shape per `action` (default `messages`), as plain data:
 * handle-history.ts dispatches on `action`. Adding an action is a schema in parse-history-request.ts,
 * its method in read-history-action.ts and a case in handle-history.ts.
 */

/** `userId` is the body's `user_id`: only used off the platform, where there is no trusted identity. */
export type HistoryRequest =
  | {
      action: 'messages';
      userId: string | undefined;
      sessionId: string;
      /** At most this many messages, the most recent ones. */
      limit: number;
      /** Only messages before the one with this id, to page back through a long session. */
      before: string | undefined;
    }
  | { action: 'labels'; userId: string | undefined }
  | { action: 'sessions'; userId: string | undefined; limit: number }
  | { action: 'export'; userId: string | undefined; cursor: ExportCursor | undefined }
  | { action: 'delete_session'; userId: string | undefined; sessionId: string }
  | { action: 'delete_all'; userId: string | undefined }
  | MemoryRequest
  | SessionNoteRequest;

export type HistoryActionName = HistoryRequest['action'];

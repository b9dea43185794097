import type { UsageStore } from '../limits/usage-store.js';
import type { Logger } from '../logging/logger.js';
import type { SessionDocument } from '../storage/session-document.js';
import { EXPORT_MAX_SESSIONS, type SessionStore } from '../storage/session-store.js';

/**
 * The privacy actions of the `history` function (PIPL: access, portability, deletion). Each one is
 * scoped to the caller's own id, resolved by the runtime from the platform's context (never from the
 * body on the platform), and every store call takes that id: no request names another user's data.
 */

export interface PrivacyDependencies {
  store: SessionStore;
  /** The per-user usage counters, deleted with everything else (absent: nothing to delete). */
  usage?: UsageStore | undefined;
  clock: () => Date;
  logger: Logger;
}

export interface SessionListItem {
  session_id: string;
  created_at: string;
  updated_at: string;
  message_count: number;
}

export interface SessionListReply {
  sessions: SessionListItem[];
}

/** The caller's sessions, most recently updated first, without their messages. */
export async function handleListSessions(
  request: { userId: string; limit: number },
  dependencies: Pick<PrivacyDependencies, 'store'>,
): Promise<SessionListReply> {
  const summaries = await dependencies.store.listSessions(request.userId, { limit: request.limit });
  return {
    sessions: summaries.map((summary) => ({
      session_id: summary.session_id,
      created_at: summary.created_at,
      updated_at: summary.updated_at,
      message_count: summary.message_count,
    })),
  };
}

export interface ExportReply {
  user_id: string;
  exported_at: string;
  /** Whole session documents as stored (see docs/privacy.md for the fields), ordered by session_id. */
  sessions: SessionDocument[];
  /** True when more sessions follow; ask again with `cursor` = `next_cursor`. */
  has_more: boolean;
  next_cursor?: string;
}

/**
 * Serialised size one export reply stays under (unless its first session alone is bigger). A function's
 * synchronous result is capped at 6 MB (the CLI's runtime emulator enforces exactly that; the platform's
 * own cap is not documented), and an HTTP reply is encoded once more; 4 MB leaves room for both.
 */
export const EXPORT_REPLY_MAX_BYTES = 4 * 1024 * 1024;
/** Sessions read per store call; the reply's memory is its own size plus at most one such page. */
export const EXPORT_PAGE_SESSIONS = 50;

/**
 * Everything stored for the caller, as JSON. One reply holds whole sessions up to
 * `EXPORT_REPLY_MAX_BYTES` (and at most `EXPORT_MAX_SESSIONS`); a heavy user pages with `cursor`.
 */
export async function handleExport(
  request: { userId: string; cursor: string | undefined },
  dependencies: PrivacyDependencies,
): Promise<ExportReply> {
  const exportedAt = dependencies.clock().toISOString();
  const sessions: SessionDocument[] = [];
  let bytes = 0;
  let after = request.cursor;
  let hasMore = false;
  pages: for (;;) {
    const page = await dependencies.store.exportSessions(request.userId, {
      afterSessionId: after,
      limit: EXPORT_PAGE_SESSIONS,
    });
    for (const document of page) {
      const size = Buffer.byteLength(JSON.stringify(document), 'utf8');
      const full = sessions.length >= EXPORT_MAX_SESSIONS || bytes + size > EXPORT_REPLY_MAX_BYTES;
      if (sessions.length > 0 && full) {
        hasMore = true;
        break pages;
      }
      sessions.push(document);
      bytes += size;
    }
    const last = page.at(-1);
    if (page.length < EXPORT_PAGE_SESSIONS || last === undefined) break;
    after = last.session_id;
  }
  const reply: ExportReply = {
    user_id: request.userId,
    exported_at: exportedAt,
    sessions,
    has_more: hasMore,
  };
  const last = sessions.at(-1);
  if (hasMore && last !== undefined) reply.next_cursor = last.session_id;
  dependencies.logger.info('privacy.exported', { sessions: sessions.length, bytes, has_more: hasMore });
  return reply;
}

export interface DeleteSessionReply {
  session_id: string;
  /** False when there was nothing to delete: never created, already deleted, or not the caller's. */
  deleted: boolean;
}

/** Deletes one of the caller's sessions; someone else's session with that id answers `deleted: false`. */
export async function handleDeleteSession(
  request: { userId: string; sessionId: string },
  dependencies: PrivacyDependencies,
): Promise<DeleteSessionReply> {
  const deleted = await dependencies.store.deleteSession({
    userId: request.userId,
    sessionId: request.sessionId,
  });
  dependencies.logger.info('privacy.deleted_session', { deleted });
  return { session_id: request.sessionId, deleted };
}

export interface DeleteAllReply {
  deleted_sessions: number;
  /** Days of usage counts (messages and tokens per day) deleted with the sessions. */
  deleted_usage_days: number;
}

/** Deletes every session of the caller (the request was confirmed when it was parsed). */
export async function handleDeleteAll(
  request: { userId: string },
  dependencies: PrivacyDependencies,
): Promise<DeleteAllReply> {
  const deleted = await dependencies.store.deleteAllSessions(request.userId);
  const usageDays = (await dependencies.usage?.deleteUsage(request.userId)) ?? 0;
  dependencies.logger.info('privacy.deleted_all', {
    deleted_sessions: deleted,
    deleted_usage_days: usageDays,
  });
  return { deleted_sessions: deleted, deleted_usage_days: usageDays };
}

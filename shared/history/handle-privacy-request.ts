import type { UsageStore } from '../limits/usage-store.js';
import type { Logger } from '../logging/logger.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { SessionStore } from '../storage/session-store.js';

/**
 * The privacy actions of the `history` function (PIPL: access, deletion; the export, for portability, is
 * export-sessions.ts). Each one is scoped to the caller's own id, resolved by the runtime from the
 * platform's context (never from the body on the platform), and every store call takes that id: no
 * request names another user's data.
 */

export interface PrivacyDependencies {
  store: SessionStore;
  /** The user's memory (知己档案), deleted with everything else (absent: nothing to delete). */
  memory?: MemoryStore | undefined;
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
  /** The model's or the user's title, else the first words of the first message (null: no message). */
  title: string | null;
  /** `message` (the first words), `model` or `user` (rename_session; the model never replaces it). */
  title_source: 'message' | 'model' | 'user' | null;
  /** The first words of the last message (null on sessions not written since previews existed). */
  last_message_preview: string | null;
  /** The expression of the last reply (null until a reply with one). */
  last_emotion: string | null;
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
      title: summary.title ?? null,
      title_source: summary.title_source ?? null,
      last_message_preview: summary.last_message_preview ?? null,
      last_emotion: summary.last_emotion ?? null,
    })),
  };
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
  /** Whether a memory (知己档案: its items and its setting) was deleted too. */
  deleted_memory: boolean;
}

/** Deletes every session of the caller (the request was confirmed when it was parsed). */
export async function handleDeleteAll(
  request: { userId: string },
  dependencies: PrivacyDependencies,
): Promise<DeleteAllReply> {
  const deleted = await dependencies.store.deleteAllSessions(request.userId);
  const usageDays = (await dependencies.usage?.deleteUsage(request.userId)) ?? 0;
  const deletedMemory = (await dependencies.memory?.deleteMemory(request.userId)) ?? false;
  dependencies.logger.info('privacy.deleted_all', {
    deleted_sessions: deleted,
    deleted_usage_days: usageDays,
    deleted_memory: deletedMemory,
  });
  return { deleted_sessions: deleted, deleted_usage_days: usageDays, deleted_memory: deletedMemory };
}

import type { Logger } from '../logging/logger.js';
import type { UserMemory } from '../memory/memory-document.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { SessionDocument } from '../storage/session-document.js';
import { EXPORT_MAX_SESSIONS, type SessionStore } from '../storage/session-store.js';
import { type ExportCursor, formatExportCursor } from './export-cursor.js';

export interface ExportReply {
  user_id: string;
  exported_at: string;
  /**
   * Session documents as stored (see docs/privacy.md for the fields), ordered by session_id. A session
   * too big for one reply comes in parts over consecutive replies: the same document with a run of its
   * messages each time (`message_count` is always the whole session's); append the parts' messages.
   */
  sessions: SessionDocument[];
  /** The user's memory (知己档案) and its setting, on every page. */
  memory?: UserMemory;
  /** True when more follows; ask again with `cursor` = `next_cursor`. */
  has_more: boolean;
  /** `SESSION_ID` (go on after that session) or `SESSION_ID:OFFSET` (go on inside it, at that message). */
  next_cursor?: string;
}

/**
 * Serialised size of the sessions in one export reply. A function's synchronous result is capped at
 * 6 MB (the CLI's runtime emulator enforces exactly that; the platform's own cap is not documented), and
 * an HTTP reply is encoded once more; 4 MB of sessions leaves room for both.
 */
export const EXPORT_REPLY_MAX_BYTES = 4 * 1024 * 1024;
/** Sessions read per store call; the reply's memory is its own size plus at most one such page. */
export const EXPORT_PAGE_SESSIONS = 50;

export interface ExportDependencies {
  store: SessionStore;
  /** Absent only in tests of the session paging. */
  memory?: MemoryStore | undefined;
  clock: () => Date;
  logger: Logger;
  /** Tests shrink the budget to page small sessions; production uses `EXPORT_REPLY_MAX_BYTES`. */
  exportReplyMaxBytes?: number | undefined;
}

/**
 * Everything stored for the caller, as JSON, in replies of at most `EXPORT_REPLY_MAX_BYTES` of sessions
 * (and `EXPORT_MAX_SESSIONS`). A session that does not fit what is left of a reply starts the next one;
 * a session bigger than a whole reply is split across replies at message boundaries.
 */
export async function handleExport(
  request: { userId: string; cursor: ExportCursor | undefined },
  dependencies: ExportDependencies,
): Promise<ExportReply> {
  const budget = dependencies.exportReplyMaxBytes ?? EXPORT_REPLY_MAX_BYTES;
  const page = new ExportPage(budget);
  let next: ExportCursor | undefined;
  let after = request.cursor?.sessionId;
  if (request.cursor?.kind === 'in_session') {
    const { sessionId, messageOffset } = request.cursor;
    const document = await dependencies.store.getSession({ userId: request.userId, sessionId });
    // Gone since the previous page (deleted), or nothing left of it: go on with the sessions after it.
    if (document !== undefined && messageOffset < document.messages.length) {
      next = page.add(document, messageOffset);
    }
  }
  while (next === undefined) {
    const documents = await dependencies.store.exportSessions(request.userId, {
      afterSessionId: after,
      limit: EXPORT_PAGE_SESSIONS,
    });
    for (const document of documents) {
      next = page.add(document, 0);
      if (next !== undefined) break;
    }
    const last = documents.at(-1);
    if (documents.length < EXPORT_PAGE_SESSIONS || last === undefined) break;
    after = last.session_id;
  }
  const reply: ExportReply = {
    user_id: request.userId,
    exported_at: dependencies.clock().toISOString(),
    sessions: page.sessions,
    has_more: next !== undefined,
  };
  if (dependencies.memory !== undefined) reply.memory = await dependencies.memory.read(request.userId);
  if (next !== undefined) reply.next_cursor = formatExportCursor(next);
  dependencies.logger.info('privacy.exported', {
    sessions: page.sessions.length,
    bytes: page.bytes,
    has_more: reply.has_more,
  });
  return reply;
}

/** One reply's sessions and their serialised size, as JSON.stringify writes them. */
class ExportPage {
  readonly sessions: SessionDocument[] = [];
  bytes = 0;

  constructor(private readonly budget: number) {}

  /** Adds the session from `offset` on, as much as fits; where the next reply starts, if not after it. */
  add(document: SessionDocument, offset: number): ExportCursor | undefined {
    const sessionId = document.session_id;
    const previous = this.sessions.at(-1)?.session_id;
    const resumeHere: ExportCursor =
      offset > 0
        ? { kind: 'in_session', sessionId, messageOffset: offset }
        : previous === undefined
          ? { kind: 'in_session', sessionId, messageOffset: 0 }
          : { kind: 'after_session', sessionId: previous };
    if (this.sessions.length >= EXPORT_MAX_SESSIONS) return resumeHere;
    const messages = document.messages.slice(offset);
    const whole = offset === 0 ? jsonBytes(document) : jsonBytes({ ...document, messages });
    const separator = this.sessions.length > 0 ? 1 : 0;
    if (this.bytes + separator + whole <= this.budget) {
      this.push(offset === 0 ? document : { ...document, messages }, separator + whole);
      return undefined;
    }
    // A session that fits a reply of its own waits for the next one rather than being split.
    if (this.sessions.length > 0 && whole <= this.budget) return resumeHere;
    let size = separator + jsonBytes({ ...document, messages: [] });
    let taken = 0;
    for (const message of messages) {
      const added = jsonBytes(message) + (taken > 0 ? 1 : 0);
      // At least one message per reply, so paging always moves on.
      if (this.bytes + size + added > this.budget && (taken > 0 || this.sessions.length > 0)) break;
      size += added;
      taken += 1;
    }
    if (taken === 0) return resumeHere;
    this.push({ ...document, messages: messages.slice(0, taken) }, size);
    return { kind: 'in_session', sessionId, messageOffset: offset + taken };
  }

  private push(document: SessionDocument, size: number): void {
    this.sessions.push(document);
    this.bytes += size;
  }
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

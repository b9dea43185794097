/**
 * The export stays under CloudBase's 6 MB result cap however big a session is: a session larger than one
 * reply is split across replies at message boundaries, with a cursor naming the session and the message
 * offset, and the parts put back together are the stored session. On both adapters.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load-config.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { type ExportReply, handleExport } from '../../shared/history/export-sessions.js';
import { parseHistoryRequest } from '../../shared/history/parse-history-request.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { createSessionStore } from '../../shared/storage/create-session-store.js';
import type { SessionDocument, StoredMessage } from '../../shared/storage/session-document.js';
import type { SessionStore } from '../../shared/storage/session-store.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import { recordingLogger, startTestServices, type TestServices } from '../support/test-services.js';

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

const userId = 'o_exporter';
const now = '2026-03-01T10:00:00.000Z';
const megabyte = 1024 * 1024;

function messages(count: number, charactersEach: number): StoredMessage[] {
  return Array.from({ length: count }, (_, index) => ({
    message_id: `m${index}`,
    role: index % 2 === 0 ? 'user' : 'agent',
    content: `${index}：${'心'.repeat(charactersEach)}`,
    timestamp: now,
    seeded: true,
  }));
}

/** Stores a session holding `seed` (the client-history path) and one pending question after it. */
async function storeSession(store: SessionStore, sessionId: string, seed: StoredMessage[]) {
  const question: StoredMessage = {
    message_id: `${sessionId}-q`,
    role: 'user',
    content: '最后一句',
    timestamp: now,
    status: 'pending',
    client_msg_id: `${sessionId}-c`,
    attempt_id: 'attempt',
    attempt_at: now,
  };
  const result = await store.beginTurn({
    key: { userId, sessionId },
    seedMessages: seed,
    question,
    now,
    sessionExisted: false,
  });
  expect(result).toEqual({ started: true });
}

/** Every reply from the first call on, following `next_cursor`. */
async function exportAll(exportPage: (cursor: string | undefined) => Promise<ExportReply>) {
  const replies: ExportReply[] = [];
  let cursor: string | undefined;
  do {
    const reply = await exportPage(cursor);
    replies.push(reply);
    cursor = reply.next_cursor;
    expect(reply.has_more).toBe(cursor !== undefined);
    expect(replies.length).toBeLessThan(100);
  } while (cursor !== undefined);
  return replies;
}

/** The parts of each session appended, in the order the replies gave them. */
function putTogether(replies: readonly ExportReply[]): SessionDocument[] {
  const sessions: SessionDocument[] = [];
  for (const part of replies.flatMap((reply) => reply.sessions)) {
    const last = sessions.at(-1);
    if (last?.session_id === part.session_id) last.messages.push(...part.messages);
    else sessions.push({ ...part, messages: [...part.messages] });
  }
  return sessions;
}

function sessionsBytes(reply: ExportReply): number {
  return Buffer.byteLength(JSON.stringify(reply.sessions)) - 2;
}

describe.each(adaptersUnderTest(() => services))('export paging ($name adapter)', (adapter) => {
  let store: SessionStore;

  beforeEach(async () => {
    await adapter.reset();
    store = createSessionStore(loadConfig(adapter.environment()));
    return async () => {
      await store.close?.();
      await adapter.cleanup();
    };
  });

  async function storedSessions(): Promise<SessionDocument[]> {
    return store.exportSessions(userId);
  }

  it('splits a 2,000-message session over the 6 MB cap into replies under 5 MB that put back together whole', async () => {
    await storeSession(store, 'a_small', messages(4, 20));
    await storeSession(store, 'b_huge', messages(2_000, 1_100));
    await storeSession(store, 'c_after', messages(2, 20));
    const stored = await storedSessions();
    expect(Buffer.byteLength(JSON.stringify(stored[1]))).toBeGreaterThan(6 * megabyte);

    const history = createFunctionHandler(historyEndpoint, {
      environment: adapter.environment(),
      overrides: { logger: recordingLogger().logger },
    });
    const replies = await exportAll(
      async (cursor) =>
        (await history({
          action: 'export',
          user_id: userId,
          ...(cursor === undefined ? {} : { cursor }),
        })) as ExportReply,
    );
    expect(replies.length).toBeGreaterThanOrEqual(2);
    for (const reply of replies) {
      expect(reply).not.toHaveProperty('error');
      expect(Buffer.byteLength(JSON.stringify(reply))).toBeLessThanOrEqual(5 * megabyte);
    }
    // The first reply holds the small session and starts the big one; the cursors name the offsets.
    expect(replies[0]?.sessions.map((session) => session.session_id)).toEqual(['a_small', 'b_huge']);
    expect(replies[0]?.next_cursor).toMatch(/^b_huge:\d+$/);
    expect(replies.at(-1)?.sessions.map((session) => session.session_id)).toEqual(['b_huge', 'c_after']);
    expect(putTogether(replies)).toEqual(stored);
  }, 60_000);

  it('keeps a session whole when it fits a reply of its own, and starts the next reply with it', async () => {
    await storeSession(store, 'a', messages(10, 100));
    await storeSession(store, 'b', messages(10, 100));
    await storeSession(store, 'c', messages(10, 100));
    const stored = await storedSessions();
    const oneSession = Buffer.byteLength(JSON.stringify(stored[0]));
    const budget = Math.floor(oneSession * 1.5);
    const replies = await exportAll((cursor) => handleExportAt(cursor, { exportReplyMaxBytes: budget }));
    expect(replies.map((reply) => reply.sessions.map((session) => session.session_id))).toEqual([
      ['a'],
      ['b'],
      ['c'],
    ]);
    expect(replies.map((reply) => reply.next_cursor)).toEqual(['a', 'b', undefined]);
    expect(putTogether(replies)).toEqual(stored);
  });

  it('splits a session bigger than a reply at message boundaries, each reply within the budget', async () => {
    await storeSession(store, 'a', messages(3, 50));
    await storeSession(store, 'b', messages(60, 200));
    await storeSession(store, 'c', messages(3, 50));
    const stored = await storedSessions();
    const budget = 8 * 1024;
    const replies = await exportAll((cursor) => handleExportAt(cursor, { exportReplyMaxBytes: budget }));
    for (const reply of replies) {
      expect(sessionsBytes(reply)).toBeLessThanOrEqual(budget);
      expect(reply.sessions.length).toBeGreaterThan(0);
      // The whole session's count, on every part.
      for (const part of reply.sessions.filter((session) => session.session_id === 'b')) {
        expect(part.message_count).toBe(61);
      }
    }
    expect(replies.length).toBeGreaterThan(5);
    expect(putTogether(replies)).toEqual(stored);
  });

  it('goes on after a session deleted between two pages, and reads an offset past its end as nothing more', async () => {
    await storeSession(store, 'a', messages(40, 200));
    await storeSession(store, 'b', messages(2, 20));
    const first = await handleExportAt(undefined, { exportReplyMaxBytes: 4 * 1024 });
    expect(first.next_cursor).toMatch(/^a:\d+$/);
    await store.deleteSession({ userId, sessionId: 'a' });
    const after = await handleExportAt(first.next_cursor, {});
    expect(after.sessions.map((session) => session.session_id)).toEqual(['b']);
    expect(after.has_more).toBe(false);
    // b holds its two seeded messages and the question: offset 2 is the question, 3 is past the end.
    const lastMessage = await handleExportAt('b:2', {});
    expect(lastMessage.sessions.map((part) => part.messages.map((message) => message.content))).toEqual([
      ['最后一句'],
    ]);
    expect(await handleExportAt('b:3', {})).toMatchObject({ sessions: [], has_more: false });
  });

  /** The export action as the history function runs it, with a smaller budget where a test asks. */
  function handleExportAt(cursor: string | undefined, options: { exportReplyMaxBytes?: number }) {
    const request = parseHistoryRequest({ action: 'export', ...(cursor === undefined ? {} : { cursor }) });
    if (request.action !== 'export') throw new Error('not an export request');
    return handleExport(
      { userId, cursor: request.cursor },
      { store, clock: () => new Date(now), logger: recordingLogger().logger, ...options },
    );
  }
});

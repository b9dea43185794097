import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import type { HttpResponse } from '../../shared/http/http-event.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { sessionDocumentSchema } from '../../shared/storage/session-document.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import {
  recordingLogger,
  startTestServices,
  type TestServices,
  weChatContext,
} from '../support/test-services.js';

/**
 * The isolation promise, end to end through the two functions on both adapters: user B never
 * reads, appends to, lists, exports or deletes user A's sessions, whatever ids B sends; and the privacy
 * actions and the retention timer of the history function.
 */

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

const alice = 'o_Alice_0001';
const bob = 'o_Bob_0002';
const dayMs = 24 * 60 * 60 * 1000;

interface ErrorReply {
  error: { code: string; field?: string };
}
interface HistoryReply {
  session_id: string;
  messages: { role: string; content: string }[];
}
interface SessionsReply {
  sessions: { session_id: string; message_count: number; created_at: string; updated_at: string }[];
}
interface ExportReply {
  user_id: string;
  exported_at: string;
  sessions: z.infer<typeof sessionDocumentSchema>[];
  has_more: boolean;
  next_cursor?: string;
}

/** Ids B may send to reach A's sessions: hers exactly, prefixes, extensions, case variants. */
const craftedSessionIds = [
  'private',
  'diary',
  'priv',
  'privat',
  'private_',
  'Private',
  'PRIVATE',
  'DIARY',
  'p',
];
/** Strings the id pattern refuses: path tricks, separators, operators' characters, length. */
const invalidIds = ['../alice', 'a/b', 'a.b', '', 'x'.repeat(65), '会话', '$ne', '{"$gt":""}', 'a b'];

const strictExportedSession = z.strictObject(sessionDocumentSchema.shape);

describe.each(adaptersUnderTest(() => services))('privacy and isolation ($name adapter)', (adapter) => {
  let now: number;

  beforeEach(async () => {
    await adapter.reset();
    services.model.reset();
    services.model.setDefault((body) => {
      const messages = body.messages as { content: string }[];
      return { kind: 'reply', content: `[caring] 收到：${messages.at(-1)?.content ?? ''}` };
    });
    now = Date.parse('2026-03-01T10:00:00.000Z');
    return () => adapter.cleanup();
  });

  /** The two functions; `platform` simulates CloudBase (identity from the context only). */
  function functions(options: { platform?: boolean; extra?: Record<string, string> } = {}) {
    const environment = {
      ...adapter.environment(options.extra),
      // Content security is another suite's subject; here it would only add WeChat calls to every turn.
      ...(options.platform === false ? {} : { TENCENTCLOUD_RUNENV: 'SCF', MSG_SEC_CHECK: 'false' }),
    };
    const { logger, lines } = recordingLogger();
    const overrides = { logger, clock: () => new Date(now) };
    return {
      chat: createFunctionHandler(chatEndpoint, { environment, overrides }),
      history: createFunctionHandler(historyEndpoint, { environment, overrides }),
      lines,
    };
  }

  /** As the mini-program calls: `wx.cloud.callFunction` with the caller's OPENID in the context. */
  function caller(openId: string, handlers = functions()) {
    const context = weChatContext(openId);
    return {
      chat: async (body: Record<string, unknown>) =>
        (await handlers.chat(body, context)) as Record<string, unknown>,
      history: async <T = unknown>(body: Record<string, unknown>) =>
        (await handlers.history(body, context)) as T,
    };
  }

  async function seedAliceAndBob() {
    const a = caller(alice);
    const b = caller(bob);
    // A minute between turns, so "most recently updated first" has one answer.
    for (const [who, sessionId, message] of [
      [a, 'private', '我的秘密'],
      [a, 'private', '第二句'],
      [a, 'diary', '今天的日记'],
      [b, 'mine', '我是 B'],
    ] as const) {
      now += 60_000;
      expect(await who.chat({ session_id: sessionId, message })).not.toHaveProperty('error');
    }
    return { a, b };
  }

  async function aliceSnapshot() {
    return caller(alice)
      .history<ExportReply>({ action: 'export' })
      .then((reply) => reply.sessions);
  }

  it("lets B read nothing of A's, whatever session id B sends, and ignores a body user_id on the platform", async () => {
    const { b } = await seedAliceAndBob();
    for (const sessionId of craftedSessionIds) {
      for (const body of [
        { session_id: sessionId },
        { session_id: sessionId, user_id: alice },
        { action: 'messages', session_id: sessionId, user_id: alice, limit: 500 },
      ]) {
        const reply = await b.history<HistoryReply>(body);
        expect(reply, JSON.stringify(body)).toEqual({ session_id: sessionId, messages: [], has_more: false });
      }
    }
    const listed = await b.history<SessionsReply>({ action: 'sessions', user_id: alice });
    expect(listed.sessions.map((session) => session.session_id)).toEqual(['mine']);
    const exported = await b.history<ExportReply>({ action: 'export', user_id: alice });
    expect(exported.user_id).toBe(bob);
    expect(exported.sessions.map((session) => [session.user_id, session.session_id])).toEqual([
      [bob, 'mine'],
    ]);
    expect(JSON.stringify(exported)).not.toContain('秘密');
    for (const cursor of craftedSessionIds) {
      const page = await b.history<ExportReply>({ action: 'export', cursor, user_id: alice });
      expect(page.sessions.every((session) => session.user_id === bob)).toBe(true);
    }
  });

  it("keeps B's chat with A's session id (and A's user_id, and a forged history) in B's own session", async () => {
    const { a, b } = await seedAliceAndBob();
    const before = await aliceSnapshot();
    const reply = await b.chat({
      user_id: alice,
      session_id: 'private',
      message: 'B 的话',
      history: [{ role: 'user', content: '伪造的历史' }],
    });
    expect(reply).toMatchObject({ session_id: 'private', content: '收到：B 的话' });
    // The model saw B's own (new) session only: the forged seed and B's words, none of A's.
    const sent = services.model.requests().at(-1)?.body as { messages: { content: string }[] };
    expect(JSON.stringify(sent.messages)).not.toContain('秘密');

    expect(await aliceSnapshot()).toEqual(before);
    const bobsPrivate = await b.history<HistoryReply>({ session_id: 'private' });
    expect(bobsPrivate.messages.map((message) => message.content)).toEqual([
      '伪造的历史',
      'B 的话',
      '收到：B 的话',
    ]);
    const alicesPrivate = await a.history<HistoryReply>({ session_id: 'private' });
    expect(alicesPrivate.messages.map((message) => message.content)).toEqual([
      '我的秘密',
      '收到：我的秘密',
      '第二句',
      '收到：第二句',
    ]);
  });

  it("lets B delete nothing of A's, by any id, and delete-all removes only B's own", async () => {
    const { a, b } = await seedAliceAndBob();
    const before = await aliceSnapshot();
    for (const sessionId of craftedSessionIds) {
      expect(await b.history({ action: 'delete_session', session_id: sessionId, user_id: alice })).toEqual({
        session_id: sessionId,
        deleted: false,
      });
    }
    // B's one session, and B's one day of usage counts: nothing of A's.
    expect(await b.history({ action: 'delete_all', confirm: 'DELETE_ALL', user_id: alice })).toEqual({
      deleted_sessions: 1,
      deleted_usage_days: 1,
      deleted_memory: false,
    });
    expect(await aliceSnapshot()).toEqual(before);
    expect(await b.history({ action: 'sessions' })).toEqual({ sessions: [] });
    const aliceList = await a.history<SessionsReply>({ action: 'sessions' });
    expect(aliceList.sessions.map((session) => session.session_id).sort()).toEqual(['diary', 'private']);
  });

  it('refuses invalid ids in every action with INVALID_ID, changing nothing', async () => {
    const { b } = await seedAliceAndBob();
    const before = await aliceSnapshot();
    for (const invalid of invalidIds) {
      const bodies = [
        { session_id: invalid },
        { action: 'delete_session', session_id: invalid },
        { action: 'export', cursor: invalid },
        { action: 'sessions', user_id: invalid },
        { action: 'delete_all', confirm: 'DELETE_ALL', user_id: invalid },
      ];
      for (const body of bodies) {
        const reply = await b.history<ErrorReply>(body);
        expect(reply.error?.code, JSON.stringify(body)).toBe('INVALID_ID');
      }
    }
    expect(await aliceSnapshot()).toEqual(before);
    expect((await b.history<SessionsReply>({ action: 'sessions' })).sessions).toHaveLength(1);
  });

  it('needs the OPENID on the platform: a call without one is refused, whatever user_id it names', async () => {
    await seedAliceAndBob();
    const before = await aliceSnapshot();
    const { history } = functions();
    for (const body of [
      { action: 'delete_all', confirm: 'DELETE_ALL', user_id: alice },
      { action: 'delete_session', session_id: 'private', user_id: alice },
      { action: 'export', user_id: alice },
      { action: 'sessions', user_id: alice },
      { session_id: 'private', user_id: alice },
    ]) {
      for (const context of [undefined, {}, { environ: 'WX_APPID=wx_test_app' }]) {
        expect(((await history(body, context)) as ErrorReply).error.code).toBe('UNAUTHENTICATED');
      }
    }
    expect(await aliceSnapshot()).toEqual(before);
  });

  it('off the platform takes the body user_id, and B still reaches nothing of A', async () => {
    const handlers = functions({ platform: false });
    for (const [userId, sessionId, message] of [
      [alice, 'private', '我的秘密'],
      [bob, 'mine', '我是 B'],
    ]) {
      expect(await handlers.chat({ user_id: userId, session_id: sessionId, message })).not.toHaveProperty(
        'error',
      );
    }
    const asBob = (body: Record<string, unknown>) => handlers.history({ user_id: bob, ...body });
    expect(await asBob({ session_id: 'private' })).toEqual({
      session_id: 'private',
      messages: [],
      has_more: false,
    });
    expect(await asBob({ action: 'delete_session', session_id: 'private' })).toEqual({
      session_id: 'private',
      deleted: false,
    });
    const exported = (await asBob({ action: 'export' })) as ExportReply;
    expect(exported.sessions.map((session) => session.user_id)).toEqual([bob]);
    expect(((await handlers.history({ action: 'export' })) as ErrorReply).error).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'user_id',
    });
    const alices = (await handlers.history({ user_id: alice, action: 'export' })) as ExportReply;
    expect(alices.sessions.map((session) => session.session_id)).toEqual(['private']);
  });

  it('exports everything of the caller as whole documents, with paging for a large export', async () => {
    const { a } = await seedAliceAndBob();
    const exported = await a.history<ExportReply>({ action: 'export' });
    expect(exported).toMatchObject({
      user_id: alice,
      exported_at: new Date(now).toISOString(),
      has_more: false,
    });
    expect(exported).not.toHaveProperty('next_cursor');
    expect(exported.sessions.map((session) => session.session_id)).toEqual(['diary', 'private']);
    for (const session of exported.sessions) {
      // Exactly the stored schema: no database _id, nothing else.
      expect(strictExportedSession.parse(session)).toEqual(session);
      expect(session.user_id).toBe(alice);
    }
    const privateSession = exported.sessions[1];
    expect(privateSession?.message_count).toBe(4);
    expect(privateSession?.messages.map((message) => message.content)).toEqual([
      '我的秘密',
      '收到：我的秘密',
      '第二句',
      '收到：第二句',
    ]);
    // Turn bookkeeping is exported too: the export is everything stored about the user.
    expect(privateSession?.messages[0]).toMatchObject({ role: 'user', status: 'complete' });
    expect(privateSession?.messages[0]).toHaveProperty('attempt_id');

    const paged = await a.history<ExportReply>({ action: 'export', cursor: 'diary' });
    expect(paged.sessions.map((session) => session.session_id)).toEqual(['private']);
  });

  it('lists sessions, deletes one, and deletes all only with the confirmation', async () => {
    const { a } = await seedAliceAndBob();
    const listed = await a.history<SessionsReply>({ action: 'sessions' });
    expect(listed.sessions).toEqual([
      {
        session_id: 'diary',
        created_at: expect.any(String),
        updated_at: expect.any(String),
        message_count: 2,
        title: '今天的日记',
        title_source: 'message',
        last_message_preview: '收到：今天的日记',
        last_emotion: 'caring',
      },
      {
        session_id: 'private',
        created_at: expect.any(String),
        updated_at: expect.any(String),
        message_count: 4,
        title: '我的秘密',
        title_source: 'message',
        last_message_preview: '收到：第二句',
        last_emotion: 'caring',
      },
    ]);
    expect(await a.history({ action: 'sessions', limit: 1 })).toMatchObject({
      sessions: [{ session_id: 'diary' }],
    });
    expect(((await a.history({ action: 'sessions', limit: 101 })) as ErrorReply).error.code).toBe(
      'INVALID_INPUT',
    );

    expect(await a.history({ action: 'delete_session', session_id: 'diary' })).toEqual({
      session_id: 'diary',
      deleted: true,
    });
    expect(await a.history({ session_id: 'diary' })).toEqual({
      session_id: 'diary',
      messages: [],
      has_more: false,
    });
    expect(((await a.history({ action: 'delete_session' })) as ErrorReply).error).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'session_id',
    });

    for (const body of [
      { action: 'delete_all' },
      { action: 'delete_all', confirm: 'yes' },
      { action: 'delete_all', confirm: 'delete_all' },
      { action: 'delete_all', confirm: true },
    ]) {
      const refused = (await a.history(body)) as ErrorReply;
      expect(refused.error, JSON.stringify(body)).toMatchObject({
        code: 'CONFIRMATION_REQUIRED',
        field: 'confirm',
      });
    }
    expect((await a.history<SessionsReply>({ action: 'sessions' })).sessions).toHaveLength(1);
    expect(await a.history({ action: 'delete_all', confirm: 'DELETE_ALL' })).toEqual({
      deleted_sessions: 1,
      deleted_usage_days: 1,
      deleted_memory: false,
    });
    expect(await a.history({ action: 'export' })).toMatchObject({ sessions: [], has_more: false });
    // Bob's session is still there.
    expect((await caller(bob).history<SessionsReply>({ action: 'sessions' })).sessions).toHaveLength(1);
    await expectNoTraceOf(alice);
  });

  it('refuses unknown actions', async () => {
    const { a } = await seedAliceAndBob();
    for (const action of ['label', 'drop', 'DELETE_ALL', 'Export', 5, null, '__proto__', 'toString']) {
      const reply = (await a.history({ action, session_id: 'private', confirm: 'DELETE_ALL' })) as ErrorReply;
      expect(reply.error, String(action)).toMatchObject({ code: 'INVALID_INPUT', field: 'action' });
    }
    expect((await a.history<SessionsReply>({ action: 'sessions' })).sessions).toHaveLength(2);
  });

  describe('over HTTP', () => {
    function http(method: string, options: { query?: Record<string, string>; body?: unknown } = {}) {
      return {
        path: '/api/chat/history',
        httpMethod: method,
        headers: { 'content-type': 'application/json' },
        queryStringParameters: options.query ?? null,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        isBase64Encoded: false,
      };
    }

    it('reads by GET, deletes only by POST, and never deletes by GET', async () => {
      await seedAliceAndBob();
      const { history } = functions({ platform: false });
      const call = async (event: ReturnType<typeof http>) => {
        const response = (await history(event)) as HttpResponse;
        return {
          status: response.statusCode,
          allow: response.headers.allow,
          body: JSON.parse(response.body),
        };
      };

      const listed = await call(http('GET', { query: { user_id: alice, action: 'sessions' } }));
      expect(listed.status).toBe(200);
      expect(listed.body.sessions).toHaveLength(2);
      const exported = await call(http('GET', { query: { user_id: alice, action: 'export' } }));
      expect(exported.body.sessions).toHaveLength(2);

      for (const query of [
        { user_id: alice, action: 'delete_all', confirm: 'DELETE_ALL' },
        { user_id: alice, action: 'delete_session', session_id: 'private' },
      ]) {
        const refused = await call(http('GET', { query }));
        expect(refused.status).toBe(405);
        expect(refused.body.error.code).toBe('METHOD_NOT_ALLOWED');
        expect(refused.allow).toBe('GET, POST');
      }
      // Reads are not taken by POST either, and other methods are refused outright.
      expect((await call(http('POST', { body: { user_id: alice, session_id: 'private' } }))).status).toBe(
        405,
      );
      expect((await call(http('POST', { body: { user_id: alice, action: 'export' } }))).status).toBe(405);
      expect((await call(http('DELETE', { query: { user_id: alice, session_id: 'private' } }))).status).toBe(
        405,
      );
      expect(
        (await call(http('GET', { query: { user_id: alice, action: 'export' } }))).body.sessions,
      ).toHaveLength(2);

      const deleted = await call(
        http('POST', { body: { user_id: alice, action: 'delete_session', session_id: 'private' } }),
      );
      expect(deleted).toMatchObject({ status: 200, body: { session_id: 'private', deleted: true } });
      const confirmMissing = await call(http('POST', { body: { user_id: alice, action: 'delete_all' } }));
      expect(confirmMissing.status).toBe(400);
      expect(confirmMissing.body.error.code).toBe('CONFIRMATION_REQUIRED');
      const all = await call(
        http('POST', { body: { user_id: alice, action: 'delete_all', confirm: 'DELETE_ALL' } }),
      );
      expect(all).toMatchObject({ status: 200, body: { deleted_sessions: 1 } });
    });

    it('refuses every HTTP request on the platform before reading it', async () => {
      await seedAliceAndBob();
      const { history } = functions();
      const before = await aliceSnapshot();
      for (const event of [
        http('POST', { body: { user_id: alice, action: 'delete_all', confirm: 'DELETE_ALL' } }),
        http('GET', { query: { user_id: alice, action: 'export' } }),
        http('GET', { query: { user_id: alice, action: 'delete_all', confirm: 'DELETE_ALL' } }),
      ]) {
        expect(((await history(event, weChatContext(alice))) as HttpResponse).statusCode).toBe(401);
      }
      expect(await aliceSnapshot()).toEqual(before);
    });
  });

  describe('the retention timer', () => {
    const timerEvent = { Type: 'Timer', TriggerName: 'retention', Time: '2026-04-01T03:00:00Z', Message: '' };

    async function seedOldAndNew(extra: Record<string, string>) {
      const handlers = functions({ extra });
      const a = caller(alice, handlers);
      const b = caller(bob, handlers);
      await a.chat({ session_id: 'old', message: '很久以前' });
      await b.chat({ session_id: 'old', message: 'B 很久以前' });
      now += 29 * dayMs;
      await a.chat({ session_id: 'recent', message: '最近' });
      // Alice's `kept` was created long ago but written to lately: its last update counts.
      now -= 29 * dayMs;
      await a.chat({ session_id: 'kept', message: '以前' });
      now += 29 * dayMs;
      await a.chat({ session_id: 'kept', message: '又来了' });
      now += 2 * dayMs;
      return { handlers, a, b };
    }

    it("deletes every user's sessions last updated more than RETENTION_DAYS ago, and logs the count", async () => {
      const { handlers, a, b } = await seedOldAndNew({ RETENTION_DAYS: '30' });
      const report = await handlers.history(timerEvent, {});
      expect(report).toEqual({
        retention: 'swept',
        retention_days: 30,
        cutoff: new Date(now - 30 * dayMs).toISOString(),
        deleted: 2,
        // The usage counts of the old day (alice's and bob's) go with the same limit.
        deleted_usage_days: 2,
        deleted_memories: 0,
        complete: true,
      });
      const aliceSessions = await a.history<SessionsReply>({ action: 'sessions' });
      expect(aliceSessions.sessions.map((session) => session.session_id).sort()).toEqual(['kept', 'recent']);
      expect(await b.history({ action: 'sessions' })).toEqual({ sessions: [] });
      const line = handlers.lines
        .map((text) => JSON.parse(text))
        .find((entry) => entry.event === 'retention.swept');
      expect(line).toMatchObject({ deleted: 2, retention_days: 30 });
      await expectNoTraceOf(bob);

      // A second run finds nothing more; the lower-case `timer` some docs show is the same event.
      expect(await handlers.history({ ...timerEvent, Type: 'timer' })).toMatchObject({ deleted: 0 });
    });

    it('is not started by a user sending the timer shape: a call with an OPENID is an ordinary request', async () => {
      const { handlers, a } = await seedOldAndNew({ RETENTION_DAYS: '30' });
      const sent = await handlers.history(timerEvent, weChatContext(alice));
      expect((sent as ErrorReply).error).toMatchObject({ code: 'INVALID_INPUT', field: 'session_id' });
      const withAction = await handlers.history({ ...timerEvent, action: 'sessions' }, weChatContext(alice));
      expect((withAction as SessionsReply).sessions.map((session) => session.session_id).sort()).toEqual([
        'kept',
        'old',
        'recent',
      ]);
      expect((await a.history<SessionsReply>({ action: 'sessions' })).sessions).toHaveLength(3);
    });

    it('does nothing without RETENTION_DAYS, or for another trigger', async () => {
      const off = await seedOldAndNew({});
      expect(await off.handlers.history(timerEvent, {})).toEqual({ retention: 'disabled' });
      expect((await off.a.history<SessionsReply>({ action: 'sessions' })).sessions).toHaveLength(3);

      const on = functions({ extra: { RETENTION_DAYS: '1' } });
      const other = (await on.history({ ...timerEvent, TriggerName: 'nightly' }, {})) as ErrorReply;
      expect(other.error).toMatchObject({ code: 'INVALID_INPUT', field: 'TriggerName' });
      expect((await off.a.history<SessionsReply>({ action: 'sessions' })).sessions).toHaveLength(3);
    });
  });

  /** The local adapter keeps no file, directory or index entry naming a user whose data is gone. */
  async function expectNoTraceOf(userId: string) {
    if (adapter.name !== 'local') {
      const rows = services.emulator.documents('chat_sessions') as { user_id: string }[];
      expect(rows.filter((row) => row.user_id === userId)).toEqual([]);
      return;
    }
    const dataDir = adapter.environment().DATA_DIR ?? '';
    expect(await readdir(dataDir)).not.toContain(userId);
    const index = JSON.parse(await readFile(path.join(dataDir, 'sessions.json'), 'utf8')) as {
      sessions: Record<string, { user_id: string }>;
    };
    expect(Object.values(index.sessions).filter((entry) => entry.user_id === userId)).toEqual([]);
  }
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import type { HttpResponse } from '../../shared/http/http-event.js';
import { MEMORY_MAX_ITEMS } from '../../shared/memory/memory-document.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { buildServiceDependencies } from '../../shared/runtime/service-dependencies.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import {
  recordingLogger,
  startTestServices,
  type TestServices,
  weChatContext,
} from '../support/test-services.js';

/**
 * 知己档案 and the session notes end to end through the history function, on both adapters: the
 * consent, the user's items, the model's proposals (through the port the turn will call), the cap,
 * titles and feedback, and that user B can neither read nor change any of A's.
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
const carol = 'o_Carol_0003';
const dave = 'o_Dave_0004';
const dayMs = 24 * 60 * 60 * 1000;

interface Item {
  id: string;
  text: string;
  source: string;
  session_id?: string;
}
interface ErrorReply {
  error: { code: string; field?: string; message: string };
}

describe.each(adaptersUnderTest(() => services))('memory and session notes ($name adapter)', (adapter) => {
  let now: number;

  beforeEach(async () => {
    await adapter.reset();
    services.model.reset();
    services.model.setDefault(() => ({ kind: 'reply', content: '[caring] 我在听。' }));
    now = Date.parse('2026-03-01T10:00:00.000Z');
    return () => adapter.cleanup();
  });

  function functions(extra: Record<string, string> = {}) {
    const environment = { ...adapter.environment(extra), TENCENTCLOUD_RUNENV: 'SCF', MSG_SEC_CHECK: 'false' };
    const { logger, lines } = recordingLogger();
    const overrides = { logger, clock: () => new Date(now) };
    return {
      chat: createFunctionHandler(chatEndpoint, { environment, overrides }),
      history: createFunctionHandler(historyEndpoint, { environment, overrides }),
      // The same stores the functions open: the model's proposals go through the port the turn calls.
      memory: buildServiceDependencies(environment, { logger }).memory,
      lines,
    };
  }

  function caller(openId: string, handlers: ReturnType<typeof functions>) {
    const context = weChatContext(openId);
    return {
      chat: async (body: Record<string, unknown>) =>
        (await handlers.chat(body, context)) as Record<string, unknown>,
      history: async <T = Record<string, unknown>>(body: Record<string, unknown>) =>
        (await handlers.history(body, context)) as T,
    };
  }

  it('is off until the user turns it on; the user adds, edits, deletes and clears items', async () => {
    const handlers = functions();
    const a = caller(alice, handlers);
    expect(await a.history({ action: 'memory' })).toEqual({ enabled: false, items: [] });
    expect(await a.history({ action: 'memory_settings', enabled: true })).toEqual({ enabled: true });
    const { item } = await a.history<{ item: Item }>({ action: 'memory_add', text: '  喜欢被叫 小林 ' });
    expect(item).toMatchObject({ text: '喜欢被叫 小林', source: 'user' });
    const edited = await a.history<{ item: Item }>({
      action: 'memory_update',
      id: item.id,
      text: '叫我林林',
    });
    expect(edited.item).toMatchObject({ id: item.id, text: '叫我林林', source: 'user' });
    await a.history({ action: 'memory_add', text: '只想被倾听' });
    expect(await a.history({ action: 'memory_delete', id: item.id })).toEqual({ deleted: true });
    expect(await a.history({ action: 'memory_delete', id: item.id })).toEqual({ deleted: false });
    expect(await a.history({ action: 'memory_clear' })).toEqual({ deleted: 1 });
    expect(await a.history({ action: 'memory' })).toEqual({ enabled: true, items: [] });
    const log = handlers.lines.join('\n');
    expect(log).not.toContain('小林');
    expect(log).not.toContain('倾听');
  });

  it('refuses bad input with stable codes and stores nothing', async () => {
    const handlers = functions();
    const a = caller(alice, handlers);
    const refusals: [Record<string, unknown>, string, string][] = [
      [{ action: 'memory_add', text: ' \u200b ' }, 'TEXT_EMPTY', 'text'],
      [{ action: 'memory_add', text: '长'.repeat(101) }, 'TEXT_TOO_LONG', 'text'],
      [{ action: 'memory_add' }, 'INVALID_INPUT', 'text'],
      [{ action: 'memory_settings', enabled: 'yes' }, 'INVALID_INPUT', 'enabled'],
      [{ action: 'memory_update', id: 'a/b', text: '好' }, 'INVALID_ID', 'id'],
      [{ action: 'memory_update', id: 'mem_missing', text: '好' }, 'MEMORY_ITEM_NOT_FOUND', 'id'],
      [{ action: 'rename_session', session_id: 'nope', title: '标题' }, 'SESSION_NOT_FOUND', 'session_id'],
      [{ action: 'rename_session', session_id: 's1', title: '长'.repeat(31) }, 'TEXT_TOO_LONG', 'title'],
      [{ action: 'feedback', message_id: 'msg_x', rating: 'meh' }, 'INVALID_INPUT', 'rating'],
      [{ action: 'feedback', message_id: 'msg_x', rating: 'up' }, 'MESSAGE_NOT_FOUND', 'message_id'],
    ];
    for (const [body, code, field] of refusals) {
      const reply = await a.history<ErrorReply>(body);
      expect(reply.error, JSON.stringify(body)).toMatchObject({ code, field });
      expect(reply.error.message).toMatch(/^\p{Script=Han}/u);
    }
    expect(await a.history({ action: 'memory' })).toEqual({ enabled: false, items: [] });
  });

  it(`caps the memory at ${MEMORY_MAX_ITEMS} items, merges the model's duplicates and keeps the user's items`, async () => {
    const handlers = functions();
    const a = caller(alice, handlers);
    // Off: the model's proposals are not collected.
    await handlers.memory.applyProposals(alice, ['养了一只猫'], 's1', new Date(now).toISOString());
    expect(await a.history({ action: 'memory' })).toEqual({ enabled: false, items: [] });
    await a.history({ action: 'memory_settings', enabled: true });
    await a.history({ action: 'memory_add', text: '不喜欢被说教' });
    const outcome = await handlers.memory.applyProposals(
      alice,
      ['不喜欢被说教。', '养了一只猫', '养了一只猫！'],
      's1',
      new Date(now).toISOString(),
    );
    expect(outcome).toEqual({ added: 1, merged: 2, dropped: 0 });
    const { items } = await a.history<{ items: Item[] }>({ action: 'memory' });
    expect(items.map((entry) => [entry.text, entry.source, entry.session_id])).toEqual([
      ['不喜欢被说教', 'user', undefined],
      ['养了一只猫', 'model', 's1'],
    ]);
    for (let index = items.length; index < MEMORY_MAX_ITEMS; index += 1) {
      await a.history({ action: 'memory_add', text: `第 ${index} 件` });
    }
    const full = await a.history<ErrorReply>({ action: 'memory_add', text: '再来一件' });
    expect(full.error).toMatchObject({ code: 'MEMORY_FULL' });
    expect(full.error.message).toContain('30');
    await handlers.memory.applyProposals(alice, ['新的事情'], 's1', new Date(now).toISOString());
    expect((await a.history<{ items: Item[] }>({ action: 'memory' })).items).toHaveLength(MEMORY_MAX_ITEMS);
  });

  it("keeps B out of A's memory, titles and feedback, whatever ids B sends", async () => {
    const handlers = functions();
    const a = caller(alice, handlers);
    const b = caller(bob, handlers);
    await a.history({ action: 'memory_settings', enabled: true });
    const { item } = await a.history<{ item: Item }>({ action: 'memory_add', text: '小林的秘密' });
    const reply = await a.chat({ session_id: 's1', message: '我今天很难过' });
    const replyId = String(reply.message_id);

    expect(await b.history({ action: 'memory' })).toEqual({ enabled: false, items: [] });
    expect(await b.history({ action: 'memory', user_id: alice })).toEqual({ enabled: false, items: [] });
    expect(
      (await b.history<ErrorReply>({ action: 'memory_update', id: item.id, text: '改' })).error.code,
    ).toBe('MEMORY_ITEM_NOT_FOUND');
    expect(await b.history({ action: 'memory_delete', id: item.id })).toEqual({ deleted: false });
    expect(await b.history({ action: 'memory_clear' })).toEqual({ deleted: 0 });
    expect(
      (await b.history<ErrorReply>({ action: 'rename_session', session_id: 's1', title: '偷改' })).error.code,
    ).toBe('SESSION_NOT_FOUND');
    expect(
      (await b.history<ErrorReply>({ action: 'feedback', message_id: replyId, rating: 'down' })).error.code,
    ).toBe('MESSAGE_NOT_FOUND');
    await b.history({ action: 'delete_all', confirm: 'DELETE_ALL' });

    expect(await a.history({ action: 'memory' })).toMatchObject({ enabled: true, items: [item] });
    const [session] = (await a.history<{ sessions: Record<string, unknown>[] }>({ action: 'sessions' }))
      .sessions;
    expect(session).toMatchObject({ title: '我今天很难过', title_source: 'message' });
    const { messages } = await a.history<{ messages: Record<string, unknown>[] }>({ session_id: 's1' });
    expect(messages[1]).not.toHaveProperty('feedback');
  });

  it('shows neutral words in the session list for a message the crisis screen flagged', async () => {
    const handlers = functions();
    const a = caller(alice, handlers);
    const reply = await a.chat({ session_id: 's1', message: '我已经买好了安眠药' });
    expect(reply).toHaveProperty('safety');
    const { sessions } = await a.history<{ sessions: Record<string, unknown>[] }>({ action: 'sessions' });
    expect(sessions[0]).toMatchObject({
      title: '新的对话',
      title_source: 'message',
      last_message_preview: '新的消息',
    });
    expect(JSON.stringify(sessions)).not.toContain('安眠药');
    // The next ordinary message is previewed as usual; the neutral title stays until one is given.
    await a.chat({ session_id: 's1', message: '谢谢你陪我说话' });
    const [after] = (await a.history<{ sessions: Record<string, unknown>[] }>({ action: 'sessions' }))
      .sessions;
    expect(after).toMatchObject({ title: '新的对话' });
    expect(JSON.stringify(after)).not.toContain('安眠药');
  });

  it('renames a session, takes feedback on replies only, and exports both with the memory', async () => {
    const handlers = functions();
    const a = caller(alice, handlers);
    const reply = await a.chat({ session_id: 's1', message: '我今天很难过' });
    const replyId = String(reply.message_id);
    expect(await a.history({ action: 'rename_session', session_id: 's1', title: '难过的一天' })).toEqual({
      session_id: 's1',
      title: '难过的一天',
    });
    expect(
      await a.history({ action: 'feedback', message_id: replyId, rating: 'down', reason: '有点敷衍' }),
    ).toEqual({ message_id: replyId, rating: 'down' });
    const ownMessage = String(reply.user_message_id);
    expect(
      (await a.history<ErrorReply>({ action: 'feedback', message_id: ownMessage, rating: 'up' })).error.code,
    ).toBe('FEEDBACK_NOT_ALLOWED');
    const { messages } = await a.history<{ messages: Record<string, unknown>[] }>({ session_id: 's1' });
    expect(messages[1]).toMatchObject({ feedback: { rating: 'down', reason: '有点敷衍' } });
    const [session] = (await a.history<{ sessions: Record<string, unknown>[] }>({ action: 'sessions' }))
      .sessions;
    expect(session).toMatchObject({
      title: '难过的一天',
      title_source: 'user',
      last_message_preview: '我在听。',
      last_emotion: 'caring',
    });

    await a.history({ action: 'memory_settings', enabled: true });
    await a.history({ action: 'memory_add', text: '只想被倾听' });
    const exported = await a.history<{
      memory: unknown;
      sessions: { messages: Record<string, unknown>[] }[];
    }>({
      action: 'export',
    });
    expect(exported.memory).toMatchObject({ enabled: true, items: [{ text: '只想被倾听', source: 'user' }] });
    expect(exported.sessions[0]).toMatchObject({ title: '难过的一天', title_source: 'user' });
    expect(exported.sessions[0]?.messages[1]).toMatchObject({
      feedback: { rating: 'down', reason: '有点敷衍' },
    });

    expect(await a.history({ action: 'delete_all', confirm: 'DELETE_ALL' })).toMatchObject({
      deleted_memory: true,
    });
    expect(await a.history({ action: 'memory' })).toEqual({ enabled: false, items: [] });
  });

  it("deletes a memory with its owner's last session in the retention sweep, and keeps the others'", async () => {
    const handlers = functions({ RETENTION_DAYS: '30' });
    const a = caller(alice, handlers);
    const b = caller(bob, handlers);
    for (const who of [a, b]) {
      await who.history({ action: 'memory_settings', enabled: true });
      await who.history({ action: 'memory_add', text: '一件小事' });
      await who.chat({ session_id: 'old', message: '很久以前' });
    }
    now += 29 * dayMs;
    await a.chat({ session_id: 'recent', message: '最近' });
    now += 2 * dayMs;
    const report = await handlers.history(
      { Type: 'Timer', TriggerName: 'retention', Time: '', Message: '' },
      {},
    );
    expect(report).toMatchObject({ deleted: 2, deleted_memories: 1 });
    expect(await b.history({ action: 'memory' })).toEqual({ enabled: false, items: [] });
    expect(await a.history({ action: 'memory' })).toMatchObject({
      enabled: true,
      items: [{ text: '一件小事' }],
    });
  });

  it('deletes in the retention sweep a memory left unchanged past the cutoff whose owner has no session', async () => {
    const handlers = functions({ RETENTION_DAYS: '30' });
    const a = caller(alice, handlers);
    const b = caller(bob, handlers);
    const c = caller(carol, handlers);
    const d = caller(dave, handlers);
    // Alice cleared her memory, then deleted her only session by hand; Bob turned it on and never chatted.
    await a.history({ action: 'memory_settings', enabled: true });
    await a.history({ action: 'memory_add', text: '妈妈住院了' });
    await a.history({ action: 'memory_clear' });
    await a.chat({ session_id: 's1', message: '你好' });
    await a.history({ action: 'delete_session', session_id: 's1' });
    await b.history({ action: 'memory_settings', enabled: true });
    // Carol's memory is as old, but she is still chatting.
    await c.history({ action: 'memory_settings', enabled: true });
    now += 29 * dayMs;
    await c.chat({ session_id: 'recent', message: '最近' });
    // Dave turned his on recently and has no session yet.
    await d.history({ action: 'memory_settings', enabled: true });
    now += 2 * dayMs;
    const report = await handlers.history(
      { Type: 'Timer', TriggerName: 'retention', Time: '', Message: '' },
      {},
    );
    expect(report).toMatchObject({ deleted: 0, deleted_memories: 2, complete: true });
    expect(await handlers.memory.readDocument(alice)).toBeUndefined();
    expect(await handlers.memory.readDocument(bob)).toBeUndefined();
    expect(await c.history({ action: 'memory' })).toMatchObject({ enabled: true });
    expect(await d.history({ action: 'memory' })).toMatchObject({ enabled: true });
    // Nothing further to delete on the next run.
    expect(
      await handlers.history({ Type: 'Timer', TriggerName: 'retention', Time: '', Message: '' }, {}),
    ).toMatchObject({ deleted_memories: 0 });
  });

  it('takes the memory actions over HTTP: reads by GET, changes only by POST', async () => {
    const handlers = functions();
    const environment = { ...adapter.environment() };
    const local = createFunctionHandler(historyEndpoint, {
      environment,
      overrides: { logger: recordingLogger().logger, clock: () => new Date(now) },
    });
    const http = (method: 'GET' | 'POST', query: Record<string, string>, body?: unknown) => ({
      path: '/api/chat/history',
      httpMethod: method,
      headers: { 'content-type': 'application/json' },
      queryStringParameters: query,
      body: body === undefined ? '' : JSON.stringify(body),
      isBase64Encoded: false,
    });
    const byGet = (await local(http('GET', { user_id: alice, action: 'memory_clear' }), {})) as HttpResponse;
    expect(byGet.statusCode).toBe(405);
    const on = (await local(
      http('POST', {}, { user_id: alice, action: 'memory_settings', enabled: true }),
      {},
    )) as HttpResponse;
    expect(on.statusCode).toBe(200);
    const read = (await local(http('GET', { user_id: alice, action: 'memory' }), {})) as HttpResponse;
    expect(JSON.parse(String(read.body))).toEqual({ enabled: true, items: [] });
    expect(await caller(alice, handlers).history({ action: 'memory' })).toMatchObject({ enabled: true });
  });
});

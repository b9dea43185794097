import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import { recordingLogger, startTestServices, type TestServices } from '../support/test-services.js';

/**
 * 知己档案 across sessions end to end: the built handlers, the real openai SDK against the fake OpenAI
 * server (the proposal calls answered from their own script), both storage adapters.
 */

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

interface ChatBody {
  messages: { role: string; content: string }[];
}

describe.each(adaptersUnderTest(() => services))('memory across sessions ($name adapter)', (adapter) => {
  beforeEach(async () => {
    await adapter.reset();
    services.model.reset();
    services.model.setProposalDefault({
      kind: 'reply',
      content: '{"title": "考试压力", "memory": ["正在准备期末考试", "养了一只猫叫豆豆"]}',
    });
    // The reply is a little slower than the proposals, so they are ready by the commit.
    services.model.setDefault({ kind: 'reply', content: '[caring] 我在听，慢慢说。', delayMs: 150 });
    return () => adapter.cleanup();
  });

  function functions() {
    const environment = adapter.environment();
    const { logger, lines } = recordingLogger();
    return {
      lines,
      chat: createFunctionHandler(chatEndpoint, { environment, overrides: { logger } }),
      history: createFunctionHandler(historyEndpoint, { environment, overrides: { logger } }),
    };
  }
  const asBodies = (requests: readonly { body: unknown }[]) =>
    requests.map((request) => request.body as ChatBody);
  const replyRequests = () => asBodies(services.model.requests());
  const proposalRequests = () => asBodies(services.model.proposalRequests());

  async function twoSessions(chat: ReturnType<typeof functions>['chat']) {
    for (const message of ['期末考试快到了，好焦虑', '家里的猫豆豆一直陪着我']) {
      const reply = (await chat({ user_id: 'u1', session_id: 's1', message })) as { content?: string };
      expect(reply.content).toBe('我在听，慢慢说。');
    }
    await chat({ user_id: 'u1', session_id: 's2', message: '我又来了' });
  }

  it('an item proposed in one session reaches the next session’s model request while on', async () => {
    const { chat, history } = functions();
    expect(await history({ user_id: 'u1', action: 'memory_settings', enabled: true })).toEqual({
      enabled: true,
    });
    await twoSessions(chat);
    expect(proposalRequests()[0]?.messages[1]?.content).toContain('要做的事：标题、记忆条目');
    const system = replyRequests().at(-1)?.messages[0]?.content ?? '';
    expect(system).toContain('- 正在准备期末考试');
    expect(system).toContain('- 养了一只猫叫豆豆');
    const memory = (await history({ user_id: 'u1', action: 'memory' })) as {
      items: { text: string; source: string; session_id?: string }[];
    };
    expect(memory.items.map((item) => [item.text, item.source, item.session_id])).toEqual([
      ['正在准备期末考试', 'model', 's1'],
      ['养了一只猫叫豆豆', 'model', 's1'],
    ]);
    const listed = (await history({ user_id: 'u1', action: 'sessions' })) as {
      sessions: { session_id: string; title?: string }[];
    };
    expect(listed.sessions.find((entry) => entry.session_id === 's1')?.title).toBe('考试压力');
  });

  it('nothing is proposed for, stored in or sent from the memory while it is off', async () => {
    const { chat, history, lines } = functions();
    await history({ user_id: 'u1', action: 'memory_add', text: '希望被叫作小林' });
    await twoSessions(chat);
    const proposals = proposalRequests();
    expect(proposals.length).toBeGreaterThan(0);
    expect(proposals.every((body) => body.messages[1]?.content.startsWith('要做的事：标题\n'))).toBe(true);
    expect(replyRequests().every((body) => !body.messages[0]?.content.includes('小林'))).toBe(true);
    expect(replyRequests().at(-1)?.messages[0]?.content).not.toContain('豆豆');
    const memory = (await history({ user_id: 'u1', action: 'memory' })) as { items: { text: string }[] };
    expect(memory.items.map((item) => item.text)).toEqual(['希望被叫作小林']);
    expect(lines.every((line) => !line.includes('豆豆'))).toBe(true);
  });
});

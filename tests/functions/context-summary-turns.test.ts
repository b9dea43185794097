import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import type { FakeReply } from '../fakes/fake-openai-server.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import {
  recordingLogger,
  startTestServices,
  TEST_COLLECTION,
  type TestServices,
} from '../support/test-services.js';

/**
 * The context budget and the rolling summary end to end: the built handlers, the real openai SDK against
 * the fake OpenAI server (summary requests answered from their own script), both storage adapters.
 */

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

const SUMMARY_MARKER = '整理一段对话的摘要';
const message = (index: number) => `第${index}件事`.padEnd(150, '想');
// Small enough that a few 150-character turns fill it; large enough for the persona and a 200-character message.
const settings = { CONTEXT_TOKEN_BUDGET: '2200', MAX_MESSAGE_CHARS: '200' };

interface ChatBody {
  messages: { role: string; content: string }[];
  max_tokens?: number;
}
const isSummary = (body: ChatBody) => body.messages[0]?.content.includes(SUMMARY_MARKER) === true;

describe.each(adaptersUnderTest(() => services))('context and rolling summary ($name adapter)', (adapter) => {
  let summaryAnswers: FakeReply[];
  beforeEach(async () => {
    await adapter.reset();
    services.model.reset();
    summaryAnswers = [];
    services.model.setDefault((body) =>
      isSummary(body as unknown as ChatBody)
        ? (summaryAnswers.shift() ?? {
            kind: 'reply',
            content: '{"summary": "她在准备考试，散步对她有帮助。"}',
          })
        : // The reply takes a moment longer than the summary here, so the summary is ready by the commit
          // (a summary still running then is dropped: the pipeline tests cover that case).
          { kind: 'reply', content: '[caring] 我在听，慢慢说。', delayMs: 150 },
    );
    return () => adapter.cleanup();
  });

  function functions(extra: Record<string, string> = settings) {
    const environment = adapter.environment(extra);
    const { logger, lines } = recordingLogger();
    return {
      lines,
      chat: createFunctionHandler(chatEndpoint, { environment, overrides: { logger } }),
      history: createFunctionHandler(historyEndpoint, { environment, overrides: { logger } }),
    };
  }

  const bodies = () => services.model.requests().map((request) => request.body as unknown as ChatBody);

  it('summarises the turns that fall out, stores the summary with the session and sends it next', async () => {
    const { chat, history } = functions();
    for (let index = 0; index < 9; index += 1) {
      const reply = (await chat({ user_id: 'u1', session_id: 's1', message: message(index) })) as {
        content?: string;
      };
      expect(reply.content).toBe('我在听，慢慢说。');
    }
    const summaryRequests = bodies().filter(isSummary);
    expect(summaryRequests.length).toBeGreaterThanOrEqual(1);
    expect(summaryRequests[0]?.max_tokens).toBe(400);
    expect(summaryRequests[0]?.messages[1]?.content).toContain(message(0));
    const replies = bodies().filter((body) => !isSummary(body));
    const last = replies.at(-1);
    expect(last?.messages[0]?.content).toContain('她在准备考试');
    expect(last?.messages.some((entry) => entry.content === message(0))).toBe(false);

    const exported = (await history({ user_id: 'u1', action: 'export' })) as {
      sessions: {
        rolling_summary?: { text: string; through_message_id: string };
        messages: { role: string; prompt_version?: string }[];
      }[];
    };
    const [session] = exported.sessions;
    expect(session?.rolling_summary?.text).toBe('她在准备考试，散步对她有帮助。');
    const agentVersions = session?.messages
      .filter((entry) => entry.role === 'agent')
      .map((entry) => entry.prompt_version);
    expect(new Set(agentVersions).size).toBe(1);
    expect(agentVersions?.[0]).toMatch(/^[0-9a-f]{12}$/);
    const shown = (await history({ user_id: 'u1', session_id: 's1' })) as {
      messages: { role: string; prompt_version?: string }[];
    };
    expect(shown.messages.find((entry) => entry.role === 'agent')?.prompt_version).toBe(agentVersions?.[0]);
    if (adapter.name === 'cloudbase') {
      const [document] = services.emulator.documents(TEST_COLLECTION) as {
        rolling_summary?: { text: string };
      }[];
      expect(document?.rolling_summary?.text).toBe('她在准备考试，散步对她有帮助。');
    }
  });

  it('answers every turn and stores no summary when the summary calls fail', async () => {
    const { chat, history, lines } = functions();
    summaryAnswers.push(...Array.from({ length: 20 }, () => ({ kind: 'error' as const, status: 500 })));
    for (let index = 0; index < 8; index += 1) {
      const reply = (await chat({ user_id: 'u1', session_id: 's1', message: message(index) })) as {
        content?: string;
      };
      expect(reply.content).toBe('我在听，慢慢说。');
    }
    expect(bodies().filter(isSummary).length).toBeGreaterThanOrEqual(1);
    const exported = (await history({ user_id: 'u1', action: 'export' })) as {
      sessions: { rolling_summary?: unknown }[];
    };
    expect(exported.sessions[0]?.rolling_summary).toBeUndefined();
    expect(lines.some((line) => line.includes('"event":"summary.not_stored"'))).toBe(true);
    expect(lines.every((line) => !line.includes(message(0).slice(0, 10)))).toBe(true);
  });

  it('refuses to start with a budget smaller than the fixed parts', async () => {
    const { chat } = functions({ CONTEXT_TOKEN_BUDGET: '1000' });
    const answer = (await chat({ user_id: 'u1', session_id: 's1', message: '你好' })) as {
      error?: { code: string };
    };
    expect(answer.error?.code).toBe('CONFIG_INVALID');
    expect(services.model.requests()).toHaveLength(0);
  });
});

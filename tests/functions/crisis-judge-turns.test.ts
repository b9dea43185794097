import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { CRISIS_JUDGE_MARKER } from '../../shared/safety/crisis-judge.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import { recordingLogger, startTestServices, type TestServices } from '../support/test-services.js';

/**
 * Layers 4 and 5 end to end: the chat function through the real openai SDK against the fake server (the
 * judge's calls answered from their own script), on both storage adapters.
 */

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

interface Answer {
  content?: string;
  safety?: { level: string; resources: { phone: string }[] };
  error?: { code: string };
}
interface ExportReply {
  sessions: { messages: { role: string; safety_level?: string; safety_carried?: boolean }[] }[];
}

const HARMLESS = '周末打算去爬山';
const judgeAnswer = (risk: string, labels: string[] = []) => ({
  kind: 'reply' as const,
  content: JSON.stringify({ risk, labels }),
});

describe.each(adaptersUnderTest(() => services))(
  'the crisis judge and lasting care ($name adapter)',
  (adapter) => {
    beforeEach(async () => {
      await adapter.reset();
      services.model.reset();
      return () => adapter.cleanup();
    });

    function functions(extra: Record<string, string> = {}) {
      const environment = adapter.environment(extra);
      const { logger, lines } = recordingLogger();
      const chat = createFunctionHandler(chatEndpoint, { environment, overrides: { logger } });
      const history = createFunctionHandler(historyEndpoint, { environment, overrides: { logger } });
      return {
        lines,
        chat: async (message: string) => (await chat({ user_id: 'u1', session_id: 's1', message })) as Answer,
        exported: async () => (await history({ user_id: 'u1', action: 'export' })) as ExportReply,
      };
    }
    const systemPromptOf = (index: number) =>
      (services.model.requests()[index]?.body as { messages?: { content: string }[] } | undefined)
        ?.messages?.[0]?.content ?? '';

    it('asks the judge beside the reply with its own model and a small answer; its high replaces the reply', async () => {
      services.model.enqueue({ kind: 'reply', content: '[happy] 爬山很好呀！' });
      services.model.enqueueJudge(judgeAnswer('high', ['suicide_plan']));
      const { chat, exported, lines } = functions({ CRISIS_JUDGE_MODEL: 'judge-model' });
      const answer = await chat(HARMLESS);
      expect(answer.safety?.level).toBe('high');
      expect(answer.content).toContain('12356');
      expect(answer.content).not.toContain('爬山很好');
      expect(services.model.requests()).toHaveLength(1);
      const [judged] = services.model.judgeRequests();
      expect(judged?.body).toMatchObject({ model: 'judge-model', max_tokens: 80, temperature: 0 });
      const judgeMessages = judged?.body.messages as { content: string }[];
      expect(judgeMessages[0]?.content.startsWith(CRISIS_JUDGE_MARKER)).toBe(true);
      expect(judgeMessages[1]?.content).toContain(HARMLESS);
      expect(services.model.requests()[0]?.body.model).toBe('test-model');
      const stored = (await exported()).sessions[0]?.messages.at(-1);
      expect(stored).toMatchObject({ role: 'agent', safety_level: 'high' });
      expect(lines.join('\n')).not.toContain('爬山');
    });

    it('fails open when the judge stalls or answers garbage, and keeps the rules’ level on none', async () => {
      services.model.enqueueJudge({ kind: 'stall-before-headers' }, { kind: 'reply', content: 'no idea' });
      const { chat, lines } = functions({ CRISIS_JUDGE_TIMEOUT_MS: '300' });
      expect(await chat(HARMLESS)).toMatchObject({ content: '我在这里听你说。' });
      expect((await chat(HARMLESS)).safety).toBeUndefined();
      expect(lines.some((line) => line.includes('crisis_judge.failed') && line.includes('LLM_TIMEOUT'))).toBe(
        true,
      );
      expect(lines.some((line) => line.includes('crisis_judge.unreadable'))).toBe(true);
      // The default judge answer is "none": a message the rules flag stays flagged.
      expect((await chat('最近觉得活着没意思')).safety?.level).toBe('medium');
    });

    it('is not asked when off', async () => {
      const { chat } = functions({ CRISIS_JUDGE: 'off' });
      await chat(HARMLESS);
      expect(services.model.requests()).toHaveLength(1);
      expect(services.model.judgeRequests()).toHaveLength(0);
    });

    it('keeps the guidance and the card for CRISIS_CALM_TURNS calm turns after a flagged one, then lets them go', async () => {
      const { chat, exported } = functions({ CRISIS_CALM_TURNS: '2', CRISIS_JUDGE: 'off' });
      const levels: string[] = [];
      for (const message of ['最近觉得活着没意思', '今天吃了面条', '下午看了电影', '准备睡觉了']) {
        levels.push((await chat(message)).safety?.level ?? 'none');
      }
      expect(levels).toEqual(['medium', 'medium', 'medium', 'none']);
      const guided = [0, 1, 2, 3].map((index) => systemPromptOf(index).includes('本轮安全提示'));
      expect(guided).toEqual([true, true, true, false]);
      const replies = (await exported()).sessions[0]?.messages.filter((message) => message.role === 'agent');
      expect(replies?.map((reply) => [reply.safety_level ?? '-', reply.safety_carried ?? false])).toEqual([
        ['medium', false],
        ['medium', true],
        ['medium', true],
        ['-', false],
      ]);
    });
  },
);

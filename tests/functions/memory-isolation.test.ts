import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import type { RecordedChatRequest } from '../fakes/fake-openai-server.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import {
  recordingLogger,
  startTestServices,
  type TestServices,
  weChatContext,
} from '../support/test-services.js';

/**
 * 知己档案 stays its owner's in what the model is sent: with A's memory on and items stored (by A and by
 * the model's proposals) and A's session summarised, B's turns (a new session, and one with A's session
 * id string and A's user_id in the body) send none of A's items, summary or words to any model call
 * (reply, judge, proposals, summary), while B's own items are sent; A's next session sends A's. B's
 * rename and feedback with A's ids reach only B's own session. Both adapters, identity from the platform.
 */

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

const alice = 'o_Alice_memory';
const bob = 'o_Bob_memory';
const SUMMARY_MARKER = '整理一段对话的摘要';
const aliceSaid = (index: number) => `第${index}次说：下周的钢琴比赛让我紧张得睡不着。`.padEnd(150, '呀');
const bobSaid = (index: number) => `第${index}次说：搬家以后总是找不到朋友聊天。`.padEnd(150, '哎');
const ALICE_ADDED = '小名叫团团的女孩';
const ALICE_PROPOSED = ['在准备钢琴比赛', '养了一只仓鼠叫豆包'];
const ALICE_SUMMARY = '摘要：团团为钢琴比赛紧张，仓鼠豆包陪着她。';
const BOB_ADDED = '喜欢下雨天的散步';
const BOB_PROPOSED = ['最近搬了家'];
const BOB_SUMMARY = '摘要：他搬家后有些孤单。';
const ALICE_TEXTS = [ALICE_ADDED, ...ALICE_PROPOSED, ALICE_SUMMARY, '钢琴比赛', '团团', '豆包'];

interface ChatBody {
  messages: { role: string; content: string }[];
}
const contents = (request: RecordedChatRequest) =>
  (request.body as unknown as ChatBody).messages.map((message) => message.content).join('\n');
const isSummary = (request: RecordedChatRequest) => contents(request).includes(SUMMARY_MARKER);
const aboutAlice = (body: Record<string, unknown>) =>
  JSON.stringify(body).includes('钢琴比赛') || JSON.stringify(body).includes('团团');

describe.each(adaptersUnderTest(() => services))(
  'memory isolation in the model context ($name adapter)',
  (adapter) => {
    beforeEach(async () => {
      await adapter.reset();
      services.model.reset();
      services.model.setProposalDefault((body) => ({
        kind: 'reply',
        content: JSON.stringify(
          aboutAlice(body)
            ? { title: '钢琴比赛', memory: ALICE_PROPOSED }
            : { title: '搬家', memory: BOB_PROPOSED },
        ),
      }));
      services.model.setDefault((body) =>
        JSON.stringify(body).includes(SUMMARY_MARKER)
          ? {
              kind: 'reply',
              content: JSON.stringify({ summary: aboutAlice(body) ? ALICE_SUMMARY : BOB_SUMMARY }),
            }
          : // Slower than the side calls, so their results are stored by each turn's commit.
            { kind: 'reply', content: '[caring] 我在听，慢慢说。', delayMs: 150 },
      );
      return () => adapter.cleanup();
    });

    function caller(openId: string) {
      const environment = {
        ...adapter.environment({
          CRISIS_JUDGE: 'on',
          MSG_SEC_CHECK: 'false',
          // A few 150-character turns fill it, so turns fall out and are summarised.
          CONTEXT_TOKEN_BUDGET: '2200',
          MAX_MESSAGE_CHARS: '200',
        }),
        TENCENTCLOUD_RUNENV: 'SCF',
      };
      const overrides = { logger: recordingLogger().logger };
      const chat = createFunctionHandler(chatEndpoint, { environment, overrides });
      const history = createFunctionHandler(historyEndpoint, { environment, overrides });
      const context = weChatContext(openId);
      return {
        chat: async (body: Record<string, unknown>) => (await chat(body, context)) as Record<string, unknown>,
        history: async <T = Record<string, unknown>>(body: Record<string, unknown>) =>
          (await history(body, context)) as T,
      };
    }

    const marks = () => ({
      replies: services.model.requests().length,
      judge: services.model.judgeRequests().length,
      proposals: services.model.proposalRequests().length,
    });
    const since = (mark: ReturnType<typeof marks>) => ({
      replies: services.model.requests().slice(mark.replies),
      judge: services.model.judgeRequests().slice(mark.judge),
      proposals: services.model.proposalRequests().slice(mark.proposals),
    });
    const systemPrompt = (request: RecordedChatRequest | undefined) =>
      request === undefined ? '' : ((request.body as unknown as ChatBody).messages[0]?.content ?? '');

    it("never sends A's items, summary or words in B's turns, and sends them in A's next session", async () => {
      const a = caller(alice);
      const b = caller(bob);
      await a.history({ action: 'memory_settings', enabled: true });
      await a.history({ action: 'memory_add', text: ALICE_ADDED });
      let aliceReplyId = '';
      for (let index = 0; index < 6; index += 1) {
        const reply = await a.chat({ session_id: 's1', message: aliceSaid(index) });
        expect(reply.content).toBe('我在听，慢慢说。');
        aliceReplyId = String(reply.message_id);
      }
      const aliceMemory = await a.history<{ items: { text: string; source: string }[] }>({
        action: 'memory',
      });
      expect(aliceMemory.items.map((item) => [item.text, item.source])).toEqual([
        [ALICE_ADDED, 'user'],
        ...ALICE_PROPOSED.map((text) => [text, 'model']),
      ]);
      const aliceExport = JSON.stringify(await a.history({ action: 'export' }));
      expect(aliceExport).toContain(ALICE_SUMMARY);

      await b.history({ action: 'memory_settings', enabled: true });
      await b.history({ action: 'memory_add', text: BOB_ADDED });
      const beforeBob = marks();
      await b.chat({ session_id: 'b_new', message: bobSaid(0) });
      // A's session id string, and A's user_id in the body, which the platform's identity overrides.
      for (let index = 1; index < 7; index += 1) {
        await b.chat({ session_id: 's1', message: bobSaid(index), user_id: alice });
      }
      const bobCalls = since(beforeBob);
      const everything = [...bobCalls.replies, ...bobCalls.judge, ...bobCalls.proposals];
      // Every kind of call B's turns make was made, so the check below looks at each.
      expect(bobCalls.replies.filter((request) => !isSummary(request)).length).toBe(7);
      expect(bobCalls.replies.filter(isSummary).length).toBeGreaterThanOrEqual(1);
      expect(bobCalls.judge.length).toBe(7);
      expect(bobCalls.proposals.length).toBeGreaterThanOrEqual(2);
      for (const request of everything) {
        const sent = contents(request);
        for (const text of ALICE_TEXTS) expect(sent, `B's call holds "${text}"`).not.toContain(text);
      }
      // B's own memory and summary were sent: the context was built with a memory, just not A's.
      const bobReplies = bobCalls.replies.filter((request) => !isSummary(request));
      expect(systemPrompt(bobReplies[0])).toContain(`- ${BOB_ADDED}`);
      expect(systemPrompt(bobReplies.at(-1))).toContain(`- ${BOB_PROPOSED[0]}`);
      expect(systemPrompt(bobReplies.at(-1))).toContain(BOB_SUMMARY);

      const beforeAlice = marks();
      await a.chat({ session_id: 's2', message: '我又来了' });
      const aliceNext = systemPrompt(since(beforeAlice).replies.find((request) => !isSummary(request)));
      for (const text of [ALICE_ADDED, ...ALICE_PROPOSED]) expect(aliceNext).toContain(`- ${text}`);
      expect(aliceNext).not.toContain(BOB_ADDED);
      expect(aliceNext).not.toContain(BOB_PROPOSED[0]);

      // B's notes with A's ids reach B's own session, or nothing.
      expect(await b.history({ action: 'rename_session', session_id: 's1', title: '乙的标题' })).toEqual({
        session_id: 's1',
        title: '乙的标题',
      });
      const feedback = await b.history<{ error?: { code: string } }>({
        action: 'feedback',
        message_id: aliceReplyId,
        rating: 'down',
        reason: '乙的理由',
      });
      expect(feedback.error?.code).toBe('MESSAGE_NOT_FOUND');
      const aliceSessions = await a.history<{ sessions: { session_id: string; title?: string }[] }>({
        action: 'sessions',
      });
      expect(aliceSessions.sessions.find((entry) => entry.session_id === 's1')?.title).toBe('钢琴比赛');
      const aliceAfter = JSON.stringify(await a.history({ action: 'export' }));
      expect(aliceAfter).not.toContain('乙的');
      expect(JSON.stringify(await b.history({ action: 'export' }))).not.toContain('钢琴');
    });
  },
);

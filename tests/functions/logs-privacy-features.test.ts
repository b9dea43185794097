import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeReply } from '../fakes/fake-openai-server.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import { startLocalServer } from '../support/local-server-in-process.js';
import { fragments, PRIVACY_SECRETS, spokenText } from '../support/log-fragments.js';
import { deltasAndDone, postForStream } from '../support/read-event-stream.js';
import { recordingLogger, startTestServices, type TestServices } from '../support/test-services.js';

/**
 * The no-contents-in-logs rule over the paths issues 10 to 12 added, through `npm start`'s server on both
 * adapters: POST /api/chat/stream (with an error event after meta), the crisis judge answering garbage
 * that quotes the user and failing with an error that quotes them, rolling summaries written, refused
 * and unreadable, the model's title and memory proposals (one unreadable, one whose write fails), and
 * the history actions that carry a person's words (memory_add/update, rename_session, feedback with a
 * reason, export). Every text below is distinctive, so a log that quotes any 4 characters of one fails.
 */

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

const SUMMARY_MARKER = '整理一段对话的摘要';
const said = (index: number) =>
  `第${index}件心事：我在梧桐巷的面包店打工，老板王建国总是骂我，我养的猫叫琥珀。`.padEnd(150, '唉');
const REPLY = '[caring] 青石板桥边的灯一直为你亮着，慢慢说给我听。';
const PARTIAL_REPLY = '[sad] 半句安慰：星河渡口的风';
const UPSTREAM_QUOTE = '上游报错里引用了用户的话：梧桐巷面包店';
const JUDGE_QUOTE = '判官报错里引用了用户的话：老板王建国';
const SUMMARY_WRITTEN = '摘要：她在月桂湖边散步时想念外婆做的桂花糕。';
const SUMMARY_REFUSED = '她说想用刀片割手腕，在月桂湖边的长椅上。';
const SUMMARY_LATER = '摘要二：她提到雪山脚下那间松木小屋。';
const TITLE = '雪松小屋的夜晚';
const PROPOSED_ITEMS = ['在梧桐巷面包店打工的夜班', '养了一只橘猫名叫琥珀'];
const ADDED = '请叫我小月亮同学';
const UPDATED = '叫我月亮姐姐就好';
const RENAMED = '与琥珀猫的漫长夏天';
const REASON = '回答太敷衍了像复读机器人';

interface ChatBody {
  messages: { role: string; content: string }[];
}
const firstContent = (body: Record<string, unknown>) =>
  (body as unknown as ChatBody).messages[0]?.content ?? '';
const lastContent = (body: Record<string, unknown>) =>
  (body as unknown as ChatBody).messages.at(-1)?.content ?? '';

describe.each(adaptersUnderTest(() => services))('the logs of the new paths ($name adapter)', (adapter) => {
  let server: Awaited<ReturnType<typeof startLocalServer>>;
  let url: string;
  let lines: string[];
  /** What the next reply calls answer (a summary call never takes one). */
  let replyPlan: FakeReply[];

  beforeEach(async () => {
    await adapter.reset();
    services.model.reset();
    replyPlan = [];
    const summaryAnswers: string[] = [
      JSON.stringify({ summary: SUMMARY_WRITTEN }),
      JSON.stringify({ summary: SUMMARY_REFUSED }),
      // Garbage that quotes the conversation it was given.
      `写不出摘要，因为：${said(1).slice(0, 30)}`,
    ];
    services.model.setDefault((body) =>
      firstContent(body).includes(SUMMARY_MARKER)
        ? { kind: 'reply', content: summaryAnswers.shift() ?? JSON.stringify({ summary: SUMMARY_LATER }) }
        : // Slower than the side calls, so their results are in by the commit.
          (replyPlan.shift() ?? { kind: 'reply', content: REPLY, delayMs: 150 }),
    );
    services.model.enqueueJudge({ kind: 'error', status: 400, message: JUDGE_QUOTE });
    services.model.setJudgeDefault((body) => ({
      kind: 'reply',
      content: `看不懂这句：“${lastContent(body).slice(0, 24)}”，大概没事吧`,
    }));
    let proposals = 0;
    services.model.setProposalDefault((body) => {
      proposals += 1;
      return proposals === 2
        ? { kind: 'reply', content: `记不住：${lastContent(body).slice(0, 40)}` }
        : { kind: 'reply', content: JSON.stringify({ title: TITLE, memory: PROPOSED_ITEMS }) };
    });

    const environment = adapter.environment({
      ...PRIVACY_SECRETS,
      MSG_SEC_CHECK: 'off',
      LOG_LEVEL: 'debug',
      CRISIS_JUDGE: 'on',
      // A few 150-character turns fill it, so turns fall out and are summarised.
      CONTEXT_TOKEN_BUDGET: '2200',
      MAX_MESSAGE_CHARS: '200',
      // A failed reply call is not tried again, so each planned failure ends its turn.
      LLM_MAX_ATTEMPTS: '1',
    });
    const recorded = recordingLogger();
    lines = recorded.lines;
    const overrides = { logger: recorded.logger };
    server = await startLocalServer(environment, overrides);
    url = server.url;
    return async () => {
      await server.close();
      await adapter.cleanup();
    };
  });

  const history = async (body: Record<string, unknown>) =>
    (await postForStream(`${url}/api/chat/history`, { user_id: 'o_log_user', ...body })).json as Record<
      string,
      unknown
    >;
  const stream = (index: number) =>
    postForStream(`${url}/api/chat/stream`, {
      user_id: 'o_log_user',
      session_id: 's_log',
      message: said(index),
      client_msg_id: `c_${index}`,
    });

  it('carry events, ids and counts, and never a word said, replied, summarised, remembered or named', async () => {
    await history({ action: 'memory_settings', enabled: true });
    const { item } = (await history({ action: 'memory_add', text: ADDED })) as { item: { id: string } };
    await history({ action: 'memory_update', id: item.id, text: UPDATED });

    // The memory's first write from a turn fails, beside a commit that lands (the emulator singles it out).
    if (adapter.name === 'cloudbase') {
      services.emulator.inject({
        action: 'database.modifyDocument',
        collection: 'chat_memories',
        code: 'SYS_ERR',
      });
    }
    const endings: string[][] = [];
    let replyId: string | undefined;
    for (let index = 0; index < 12; index += 1) {
      // The failures come before any turn falls out of the budget, so every summary call has a whole
      // (slow) reply beside it and its outcome is logged by its own turn, not left late.
      if (index === 1)
        replyPlan.push({ kind: 'error-mid-stream', partialContent: PARTIAL_REPLY, message: UPSTREAM_QUOTE });
      if (index === 2) replyPlan.push({ kind: 'error', status: 401, message: UPSTREAM_QUOTE });
      const answer = await stream(index);
      endings.push(answer.events.map((entry) => entry.event));
      const { done } = deltasAndDone(answer.events);
      if (done !== undefined) replyId = String(done.message_id);
    }
    // Failed after meta: mid-stream (its words held or shown, as the judge's timing has it), and before any word.
    expect([endings[1]?.[0], endings[1]?.at(-1)]).toEqual(['meta', 'error']);
    expect(endings[2]).toEqual(['meta', 'error']);
    expect(endings.filter((names) => names.at(-1) === 'done').length).toBe(10);

    await history({ action: 'rename_session', session_id: 's_log', title: RENAMED });
    expect(
      await history({ action: 'feedback', message_id: replyId, rating: 'down', reason: REASON }),
    ).toEqual({
      message_id: replyId,
      rating: 'down',
    });
    // Reads are GETs.
    const exported = await (await fetch(`${url}/api/chat/history?user_id=o_log_user&action=export`)).text();
    // The texts the logs must not hold were really there to leak.
    for (const text of [UPDATED, RENAMED, REASON, SUMMARY_LATER.slice(0, 6), PROPOSED_ITEMS[1] ?? '']) {
      expect(exported).toContain(text);
    }
    const judged = services.model.judgeRequests().length;
    expect(judged).toBeGreaterThanOrEqual(12);

    const log = lines.join('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const expectedEvents = [
      'chat.turn',
      'model.reply',
      'stream.failed',
      'crisis_judge.failed',
      'crisis_judge.unreadable',
      'summary.done',
      'summary.not_stored',
      'proposals.done',
      'proposals.not_stored',
      'memory.proposals',
      'title.proposed',
      'memory.settings',
      'feedback.stored',
      'privacy.exported',
      ...(adapter.name === 'cloudbase' ? ['memory.not_stored'] : []),
    ];
    for (const event of expectedEvents) expect(log).toContain(`"event":"${event}"`);
    expect(log).toContain('"outcome":"rejected"');

    const forbidden = [
      ...Object.values(PRIVACY_SECRETS),
      services.model.apiKey,
      ...Array.from({ length: 12 }, (_, index) => said(index)).flatMap(spokenText),
      ...[REPLY, PARTIAL_REPLY, UPSTREAM_QUOTE, JUDGE_QUOTE].flatMap(spokenText),
      ...[SUMMARY_WRITTEN, SUMMARY_REFUSED, SUMMARY_LATER, TITLE, ...PROPOSED_ITEMS].flatMap(fragments),
      ...[ADDED, UPDATED, RENAMED, REASON].flatMap(fragments),
    ];
    for (const fragment of forbidden) expect(log, `log holds "${fragment}"`).not.toContain(fragment);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adaptersUnderTest } from '../support/both-adapters.js';
import { startLocalServer } from '../support/local-server-in-process.js';
import { deltasAndDone, postForStream } from '../support/read-event-stream.js';
import { recordingLogger, startTestServices, type TestServices } from '../support/test-services.js';

/**
 * The crisis judge on the streaming endpoint, end to end (real openai SDK, fake provider, both adapters):
 * the first words wait for its verdict, a judged `high` shows no model text at all, and a verdict that
 * comes after the wait still replaces the reply in `done`.
 */

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

const HARMLESS = '周末打算去爬山';
const judgeAnswer = (risk: string, delayMs = 0) => ({
  kind: 'reply' as const,
  content: JSON.stringify({ risk, labels: risk === 'none' ? [] : ['suicide_plan'] }),
  delayMs,
});
const streamedReply = {
  kind: 'reply' as const,
  content: '[happy] 听起来很不错，注意安全哦。',
  deltas: ['[happy] 听起来', '很不错，', '注意安全哦。'],
};

describe.each(adaptersUnderTest(() => services))(
  'the crisis judge on POST /api/chat/stream ($name adapter)',
  (adapter) => {
    let server: Awaited<ReturnType<typeof startLocalServer>>;
    let url: string;
    let waitMs = '2000';
    beforeEach(async () => {
      await adapter.reset();
      services.model.reset();
      return async () => {
        await server.close();
        await adapter.cleanup();
      };
    });
    async function start(): Promise<void> {
      const environment = adapter.environment({
        MSG_SEC_CHECK: 'off',
        CRISIS_JUDGE: 'on',
        CRISIS_JUDGE_WAIT_MS: waitMs,
      });
      const overrides = { logger: recordingLogger().logger };
      server = await startLocalServer(environment, overrides);
      url = server.url;
    }

    it('shows none of the model text when the judge says high within the wait', async () => {
      waitMs = '2000';
      await start();
      services.model.enqueueJudge(judgeAnswer('high', 300));
      services.model.enqueue(streamedReply);
      const answer = await postForStream(`${url}/api/chat/stream`, {
        user_id: 'u1',
        session_id: 's1',
        message: HARMLESS,
      });
      const { text, done } = deltasAndDone(answer.events);
      expect(answer.events[0]?.event).toBe('meta');
      expect(text).toBe('');
      expect(done).toMatchObject({ safety: { level: 'high' } });
      expect(String(done?.content)).toContain('12356');
      expect(String(done?.content)).not.toContain('爬山');
      expect(services.model.judgeRequests()).toHaveLength(1);
    });

    it('streams the reply once the judge finds no risk', async () => {
      waitMs = '2000';
      await start();
      services.model.enqueueJudge(judgeAnswer('none', 200));
      services.model.enqueue(streamedReply);
      const answer = await postForStream(`${url}/api/chat/stream`, {
        user_id: 'u1',
        session_id: 's2',
        message: HARMLESS,
      });
      const { text, done } = deltasAndDone(answer.events);
      expect(text).toBe('听起来很不错，注意安全哦。');
      expect(done).toMatchObject({ content: text });
      expect(done?.safety).toBeUndefined();
    });

    it('replaces shown words in done when the verdict comes after the wait', async () => {
      waitMs = '100';
      await start();
      services.model.enqueueJudge(judgeAnswer('high', 900));
      services.model.enqueue(streamedReply);
      const answer = await postForStream(`${url}/api/chat/stream`, {
        user_id: 'u1',
        session_id: 's3',
        message: HARMLESS,
      });
      const { text, done } = deltasAndDone(answer.events);
      // The words went out after the 100 ms wait; the verdict still decides what is stored and shown last.
      expect(text).toBe('听起来很不错，注意安全哦。');
      expect(done).toMatchObject({ safety: { level: 'high' } });
      expect(String(done?.content)).toContain('12356');
      const history = await fetch(`${url}/api/chat/history?user_id=u1&session_id=s3`);
      const stored = JSON.stringify(await history.json());
      expect(stored).toContain('12356');
      expect(stored).not.toContain('注意安全哦');
    });
  },
);

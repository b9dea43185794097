import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adaptersUnderTest } from '../support/both-adapters.js';
import { startLocalServer } from '../support/local-server-in-process.js';
import { deltasAndDone, postForStream } from '../support/read-event-stream.js';
import { recordingLogger, startTestServices, type TestServices } from '../support/test-services.js';

/**
 * POST /api/chat/stream through `npm start`'s server (scripts/local-server.ts), on both storage
 * adapters and the fake OpenAI server: the same contract as the chat-stream HTTP function.
 */

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

describe.each(adaptersUnderTest(() => services))(
  'POST /api/chat/stream on npm start ($name adapter)',
  (adapter) => {
    let server: Awaited<ReturnType<typeof startLocalServer>>;
    let url: string;
    beforeEach(async () => {
      await adapter.reset();
      services.model.reset();
      // The judge's wait is unit-tested (tests/chat/stream); here the fake model answers the reply only.
      const environment = adapter.environment({
        MSG_SEC_CHECK: 'off',
        AI_LABEL_TEXT: 'AI 生成',
        CRISIS_JUDGE: 'off',
      });
      const overrides = { logger: recordingLogger().logger };
      server = await startLocalServer(environment, overrides);
      url = server.url;
      return async () => {
        await server.close();
        await adapter.cleanup();
      };
    });

    it('streams the turn; the deltas joined are the reply POST /api/chat gives for the same turn', async () => {
      services.model.enqueue({
        kind: 'reply',
        content: '[happy] 太好了，恭喜你！',
        deltas: ['[hap', 'py] 太好了，', '恭喜你！'],
      });
      const body = { user_id: 'u1', session_id: 's1', message: '我找到工作了', client_msg_id: 'c1' };
      const answer = await postForStream(`${url}/api/chat/stream`, body);
      expect(answer.events.map((entry) => entry.event)).toEqual([
        'meta',
        'emotion',
        'delta',
        'delta',
        'done',
      ]);
      const { text, done } = deltasAndDone(answer.events);
      expect(text).toBe('太好了，恭喜你！');
      expect(done?.content).toBe(`${text}\n\nAI 生成`);
      // The same client_msg_id on POST /api/chat replays exactly the object `done` carried.
      const replay = await fetch(`${url}/api/chat`, { method: 'POST', body: JSON.stringify(body) });
      expect(await replay.json()).toEqual(done);
    });

    it('sends the error event after meta when the model fails, and JSON errors before the stream', async () => {
      services.model.enqueue({ kind: 'error', status: 401 });
      const failed = await postForStream(`${url}/api/chat/stream`, {
        user_id: 'u1',
        session_id: 's2',
        message: '你好',
      });
      expect(failed.events.map((entry) => entry.event)).toEqual(['meta', 'error']);
      expect(failed.events[1]?.data).toMatchObject({ error: { code: 'LLM_UPSTREAM_ERROR' } });
      const invalid = await postForStream(`${url}/api/chat/stream`, { user_id: 'u1', session_id: 's2' });
      expect(invalid.status).toBe(400);
      expect(invalid.json).toMatchObject({ error: { code: 'INVALID_INPUT' } });
      const wrongMethod = await fetch(`${url}/api/chat/stream`);
      expect(wrongMethod.status).toBe(405);
    });
  },
);

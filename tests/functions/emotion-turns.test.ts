import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import {
  recordingLogger,
  startTestServices,
  TEST_COLLECTION,
  type TestServices,
} from '../support/test-services.js';

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

describe.each(adaptersUnderTest(() => services))(
  'the monster’s face in a chat turn ($name adapter)',
  (adapter) => {
    beforeEach(async () => {
      await adapter.reset();
      services.model.reset();
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

    it('records where each label came from, overrides a contradicting tag, and replays the faces', async () => {
      services.model.enqueue(
        { kind: 'reply', content: '[caring] 辛苦了，我在这里陪你。' },
        { kind: 'reply', content: '太好了，恭喜你！真为你高兴！' },
        {
          kind: 'reply',
          content: '[happy] 听到你外婆去世的消息，我真的很难过，心里好痛，想陪你一起哭一场。',
        },
      );
      const { chat, history, lines } = functions();
      const faces = [];
      for (const message of ['最近好累', '我考上研究生了', '外婆昨天走了']) {
        faces.push(
          ((await chat({ user_id: 'u1', session_id: 's1', message })) as { emotion: string }).emotion,
        );
      }
      expect(faces).toEqual(['caring', 'happy', 'sad']);
      const replayed = (await history({ user_id: 'u1', session_id: 's1' })) as {
        messages: { role: string; emotion?: string }[];
      };
      expect(
        replayed.messages.filter((message) => message.role === 'agent').map((message) => message.emotion),
      ).toEqual(faces);
      expect(
        lines.some(
          (line) => line.includes('"event":"emotion.overridden"') && line.includes('"model_emotion":"happy"'),
        ),
      ).toBe(true);
      if (adapter.name === 'cloudbase') {
        const [document] = services.emulator.documents(TEST_COLLECTION) as {
          messages: { role: string; emotion_source?: string; model_emotion?: string }[];
        }[];
        const sources = document?.messages
          .filter((message) => message.role === 'agent')
          .map((message) => [message.emotion_source, message.model_emotion]);
        expect(sources).toEqual([
          ['model', undefined],
          ['classifier', undefined],
          ['classifier', 'happy'],
        ]);
      }
    });
  },
);

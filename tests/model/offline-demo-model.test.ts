/**
 * The offline demo responder speaks the same `[label] text` protocol as a real model, so the whole reply
 * path (tag parsing, emotion, storage) runs without an API key; every reply carries a visible marker so
 * nobody mistakes it for the real companion.
 */
import { describe, expect, it } from 'vitest';
import type { EmotionLabelSet } from '../../shared/emotion/emotion-label-set.js';
import { hasLabel } from '../../shared/emotion/emotion-label-set.js';
import { resolveReplyEmotion } from '../../shared/emotion/resolve-reply-emotion.js';
import { completeWithDeadline } from '../../shared/model/complete-with-deadline.js';
import { createOfflineDemoModel, OFFLINE_DEMO_PREFIX } from '../../shared/model/offline-demo-model.js';
import type { ModelMessage } from '../../shared/prompt/build-model-messages.js';
import { CALM_EXCITED_LABEL_SET, loadDefaultLabelSet } from '../emotion/label-sets.js';
import { wallTimers } from '../support/wall-timers.js';

const LABEL_SET = loadDefaultLabelSet();
/** The demo reads only the messages; the signal and time budget do not matter to it. */
const ATTEMPT_BUDGET = { signal: new AbortController().signal, timeoutMs: 5_000 };

async function replyTo(messages: readonly ModelMessage[], labelSet: EmotionLabelSet = LABEL_SET) {
  return createOfflineDemoModel(labelSet).complete({ messages, ...ATTEMPT_BUDGET });
}

function leadingLabel(text: string): string | undefined {
  return /^\[([a-z_]+)\] /.exec(text)?.[1];
}

describe('offline demo model', () => {
  it.each([
    ['今天好难过，很伤心', 'sad'],
    ['太好了！我考过了，好开心', 'happy'],
    ['我很担心明天的面试，好紧张', 'worried'],
    ['他们太过分了，真不公平', 'angry'],
    // Nothing recognisable (the fallback): the demo answers with comfort rather than a blank face.
    ['你好', 'caring'],
    ['hello', 'caring'],
  ])('answers %j with a known [%s] tag and the offline marker', async (userText, expectedLabel) => {
    const reply = await replyTo([{ role: 'user', content: userText }]);
    expect(leadingLabel(reply.text)).toBe(expectedLabel);
    expect(hasLabel(LABEL_SET, expectedLabel)).toBe(true);
    expect(reply.text).toContain(OFFLINE_DEMO_PREFIX);
    expect(reply.usage).toBeUndefined();

    const resolved = resolveReplyEmotion(reply.text, LABEL_SET);
    expect(resolved.emotion).toBe(expectedLabel);
    expect(resolved.emotionSource).toBe('model');
    // The tag is gone, and the marker is the first thing the user reads.
    expect(resolved.content.startsWith(OFFLINE_DEMO_PREFIX)).toBe(true);
    expect(resolved.content).not.toMatch(/[[【［]/);
    expect(resolved.content.length).toBeGreaterThan(OFFLINE_DEMO_PREFIX.length);
  });

  it('reacts to the latest user message, not the system prompt, history or its own earlier replies', async () => {
    const reply = await replyTo([
      { role: 'system', content: '难过 伤心 哭 很遗憾' },
      { role: 'user', content: '太好了，恭喜我吧' },
      { role: 'assistant', content: '[happy] 太好了！' },
      { role: 'user', content: '可是我现在很担心，好紧张' },
    ]);
    expect(leadingLabel(reply.text)).toBe('worried');
  });

  it('works through completeWithDeadline like any model', async () => {
    const reply = await completeWithDeadline(
      createOfflineDemoModel(LABEL_SET),
      [{ role: 'user', content: '今天好难过' }],
      { deadlineAt: Date.now() + 5_000, maxAttempts: 2, maxRetryWaitMs: 3_000, timers: wallTimers },
    );
    expect(resolveReplyEmotion(reply.text, LABEL_SET)).toMatchObject({
      emotion: 'sad',
      emotionSource: 'model',
    });
  });

  it('only tags labels of the set it was given, e.g. a custom set without "caring"', async () => {
    for (const userText of ['我好激动，迫不及待！', '你好', '今天好难过']) {
      const reply = await replyTo([{ role: 'user', content: userText }], CALM_EXCITED_LABEL_SET);
      const label = leadingLabel(reply.text);
      expect(label !== undefined && hasLabel(CALM_EXCITED_LABEL_SET, label), `tag of ${reply.text}`).toBe(
        true,
      );
      expect(reply.text).toContain(OFFLINE_DEMO_PREFIX);
      const resolved = resolveReplyEmotion(reply.text, CALM_EXCITED_LABEL_SET);
      expect(resolved).toMatchObject({ emotion: label, emotionSource: 'model' });
      expect(resolved.content.startsWith(OFFLINE_DEMO_PREFIX)).toBe(true);
    }
    const excited = await replyTo(
      [{ role: 'user', content: '我好激动，迫不及待！' }],
      CALM_EXCITED_LABEL_SET,
    );
    expect(leadingLabel(excited.text)).toBe('excited');
  });
});

/**
 * The offline demo responder is a fair stand-in for the model: two or three sentences that fit what was
 * said, the same `[label] text` protocol (tag parsing, emotion, storage all run), a visible marker so
 * nobody mistakes it for the real companion, and, when asked to stream, word by word on injected time.
 */
import { describe, expect, it } from 'vitest';
import type { EmotionLabelSet } from '../../shared/emotion/emotion-label-set.js';
import { hasLabel } from '../../shared/emotion/emotion-label-set.js';
import { parseEmotionTag } from '../../shared/emotion/parse-emotion-tag.js';
import { resolveReplyEmotion } from '../../shared/emotion/resolve-reply-emotion.js';
import type { ModelAttempt } from '../../shared/model/chat-model.js';
import { completeWithDeadline } from '../../shared/model/complete-with-deadline.js';
import {
  createOfflineDemoModel,
  DEMO_WORD_PAUSE_MS,
  OFFLINE_DEMO_PREFIX,
} from '../../shared/model/offline-demo-model.js';
import type { ModelMessage } from '../../shared/prompt/build-model-messages.js';
import { CALM_EXCITED_LABEL_SET, loadDefaultLabelSet } from '../emotion/label-sets.js';
import { VirtualTimers } from '../support/virtual-timers.js';
import { wallTimers } from '../support/wall-timers.js';

const LABEL_SET = loadDefaultLabelSet();

async function replyTo(
  messages: readonly ModelMessage[],
  options: { labelSet?: EmotionLabelSet; attempt?: Partial<ModelAttempt>; timers?: VirtualTimers } = {},
) {
  const model = createOfflineDemoModel(options.labelSet ?? LABEL_SET, options.timers ?? new VirtualTimers());
  return model.complete({
    messages,
    signal: new AbortController().signal,
    timeoutMs: 5_000,
    ...options.attempt,
  });
}

function leadingLabel(text: string): string | undefined {
  return /^\[([a-z_]+)\] /.exec(text)?.[1];
}

/** Sentences as a reader counts them: runs ending in 。！？ */
function sentenceCount(text: string): number {
  return text.split(/[。！？!?]/).filter((part) => part.trim().length > 0).length;
}

describe('offline demo model: what it answers', () => {
  it.each([
    // The issue's own example: distress gets care, never the angry face it used to get.
    ['你好，我今天感觉不太好', 'caring'],
    ['我好累，什么都不想做', 'caring'],
    ['最近压力好大，晚上睡不着', 'caring'],
    ['今天好难过，很伤心', 'sad'],
    ['我们分手了', 'sad'],
    ['太好了！我考过了，好开心', 'happy'],
    ['我升职了！', 'happy'],
    ['我很担心明天的面试，好紧张', 'worried'],
    ['他们太过分了，真不公平', 'angry'],
    ['他居然一个人骑车去了西藏', 'surprised'],
    ['我该不该换工作？', 'thinking'],
    ['你好', 'neutral'],
    ['hello', 'neutral'],
    // Nothing the demo recognises: a gentle answer, never a guessed feeling.
    ['今天吃了面条', 'caring'],
  ])('answers %j with [%s], two or three sentences and the offline marker', async (userText, label) => {
    const reply = await replyTo([{ role: 'user', content: userText }]);
    expect(leadingLabel(reply.text)).toBe(label);
    expect(hasLabel(LABEL_SET, label)).toBe(true);
    expect(reply.usage).toBeUndefined();

    const resolved = resolveReplyEmotion(reply.text, LABEL_SET);
    // The classifier agrees with the tag (never overrides it), so the face shown is the one chosen.
    expect(resolved).toMatchObject({ emotion: label, emotionSource: 'model' });
    expect(resolved.content.startsWith(OFFLINE_DEMO_PREFIX)).toBe(true);
    expect(resolved.content).not.toMatch(/[[【［]/);
    const answer = resolved.content.slice(OFFLINE_DEMO_PREFIX.length);
    expect(sentenceCount(answer)).toBeGreaterThanOrEqual(2);
    expect(sentenceCount(answer)).toBeLessThanOrEqual(3);
  });

  it('never answers distress or grief with anger or joy', async () => {
    for (const userText of ['你好，我今天感觉不太好', '我今天有点烦', '心里好难受', '我不想活了']) {
      const reply = await replyTo([{ role: 'user', content: userText }]);
      expect(reply.text, userText).not.toMatch(/生气|高兴|太好了/);
      expect(['caring', 'sad']).toContain(leadingLabel(reply.text));
    }
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

  it('answers the same words the same way, so a resend reads the same reply', async () => {
    const first = await replyTo([{ role: 'user', content: '我好累' }]);
    const second = await replyTo([{ role: 'user', content: '我好累' }]);
    expect(second.text).toBe(first.text);
  });

  it('works through completeWithDeadline like any model', async () => {
    const reply = await completeWithDeadline(
      createOfflineDemoModel(LABEL_SET, wallTimers),
      [{ role: 'user', content: '今天好难过' }],
      { deadlineAt: Date.now() + 5_000, maxAttempts: 2, maxRetryWaitMs: 3_000, timers: wallTimers },
    );
    expect(resolveReplyEmotion(reply.text, LABEL_SET)).toMatchObject({
      emotion: 'sad',
      emotionSource: 'model',
    });
  });

  it('only tags labels of the set it was given, e.g. a custom set without "caring"', async () => {
    for (const userText of [
      '我好激动，迫不及待！',
      '你好',
      '今天好难过',
      '你好，我今天感觉不太好',
      '怎么办？',
    ]) {
      const reply = await replyTo([{ role: 'user', content: userText }], {
        labelSet: CALM_EXCITED_LABEL_SET,
      });
      const label = leadingLabel(reply.text);
      expect(label !== undefined && hasLabel(CALM_EXCITED_LABEL_SET, label), `tag of ${reply.text}`).toBe(
        true,
      );
      const resolved = resolveReplyEmotion(reply.text, CALM_EXCITED_LABEL_SET);
      expect(resolved).toMatchObject({ emotion: label, emotionSource: 'model' });
      expect(resolved.content.startsWith(OFFLINE_DEMO_PREFIX)).toBe(true);
    }
    const excited = await replyTo([{ role: 'user', content: '我好激动，迫不及待！' }], {
      labelSet: CALM_EXCITED_LABEL_SET,
    });
    expect(leadingLabel(excited.text)).toBe('excited');
  });
});

describe('offline demo model: streaming', () => {
  it('passes the reply word by word, tag split across pieces, paced by the injected timers', async () => {
    const timers = new VirtualTimers();
    const pieces: { text: string; at: number }[] = [];
    const reply = await replyTo([{ role: 'user', content: '你好，我今天感觉不太好' }], {
      timers,
      attempt: { onText: (text) => pieces.push({ text, at: timers.now() }) },
    });
    expect(pieces.map((piece) => piece.text).join('')).toBe(reply.text);
    // The tag comes in more than one piece, as a real model's tokens split it.
    expect(pieces[0]?.text).toBe('[ca');
    expect(pieces.length).toBeGreaterThan(20);
    // Words, not the whole text or single characters only: some piece holds two characters or more.
    expect(pieces.some((piece) => [...piece.text].length >= 2 && !piece.text.includes('['))).toBe(true);
    expect(pieces.at(-1)?.at).toBe((pieces.length - 1) * DEMO_WORD_PAUSE_MS);
    expect(parseEmotionTag(reply.text, ['caring']).tag).toBe('caring');
  });

  it('without onText answers at once, waiting for no timer', async () => {
    const timers = new VirtualTimers();
    await replyTo([{ role: 'user', content: '我升职了！' }], { timers });
    expect(timers.now()).toBe(0);
  });

  it('stops at once when the attempt is aborted mid-stream, rejecting with LLM_TIMEOUT', async () => {
    const timers = new VirtualTimers();
    const controller = new AbortController();
    const pieces: string[] = [];
    const pending = replyTo([{ role: 'user', content: '我升职了！' }], {
      timers,
      attempt: {
        signal: controller.signal,
        onText: (text) => {
          pieces.push(text);
          if (pieces.length === 5) controller.abort();
        },
      },
    });
    await expect(pending).rejects.toMatchObject({ code: 'LLM_TIMEOUT' });
    expect(pieces).toHaveLength(5);
    // The abort ended the pause: no further virtual time went by.
    expect(timers.now()).toBe(4 * DEMO_WORD_PAUSE_MS);
  });

  it('rejects an attempt that is already aborted, streaming or not', async () => {
    const controller = new AbortController();
    controller.abort();
    const pieces: string[] = [];
    for (const onText of [undefined, (text: string) => pieces.push(text)]) {
      await expect(
        replyTo([{ role: 'user', content: '你好' }], { attempt: { signal: controller.signal, onText } }),
      ).rejects.toMatchObject({ code: 'LLM_TIMEOUT' });
    }
    expect(pieces).toEqual([]);
  });
});

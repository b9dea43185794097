/**
 * resolveReplyEmotion decides the monster's expression for a reply: the model's tag when it names a known
 * label (unless it badly contradicts the text), else the local classifier mapped through the label file's
 * `from_basic`. Labels come from the label file, so the tests read them from there and from a custom set.
 */
import { describe, expect, it } from 'vitest';
import {
  type BasicEmotion,
  type BasicEmotionResult,
  basicEmotions,
} from '../../shared/emotion/basic-emotions.js';
import { emotionLabelSetSchema, hasLabel } from '../../shared/emotion/emotion-label-set.js';
import {
  OVERRIDE_MAX_MODEL_SCORE,
  OVERRIDE_MIN_SCORE,
  resolveReplyEmotion,
} from '../../shared/emotion/resolve-reply-emotion.js';
import { CALM_EXCITED_LABEL_SET, loadDefaultLabelSet } from './label-sets.js';

const LABEL_SET = loadDefaultLabelSet();
const KNOWN_LABELS = LABEL_SET.labels.map((entry) => entry.label);

/** A classifier that answers the given scores (the rest share what is left), to pin the rule's edges. */
function scripted(scores: Partial<Record<BasicEmotion, number>>): (text: string) => BasicEmotionResult {
  const given = Object.values(scores).reduce((sum, value) => sum + value, 0);
  const others = basicEmotions.filter((basic) => scores[basic] === undefined);
  const full = Object.fromEntries(
    basicEmotions.map((basic) => [basic, scores[basic] ?? (1 - given) / others.length]),
  ) as Record<BasicEmotion, number>;
  const label = basicEmotions.reduce((best, basic) => (full[basic] > full[best] ? basic : best), 'neutral');
  return () => ({ label, scores: full });
}

describe('resolveReplyEmotion with the default label file', () => {
  it.each(KNOWN_LABELS)('takes the model’s known tag [%s] as the emotion, source "model"', (label) => {
    expect(resolveReplyEmotion(`[${label}] 我在这里陪你。`, LABEL_SET)).toEqual({
      content: '我在这里陪你。',
      emotion: label,
      emotionSource: 'model',
    });
  });

  it.each([
    ['full-width brackets', '【SAD】很遗憾。'],
    ['a prefix', '[emotion: sad] 很遗憾。'],
    ['the tag at the end', '很遗憾。[sad]'],
  ])('accepts a known tag written with %s', (_variant, reply) => {
    expect(resolveReplyEmotion(reply, LABEL_SET)).toEqual({
      content: '很遗憾。',
      emotion: 'sad',
      emotionSource: 'model',
    });
  });

  it('classifies the reply when the tag is missing, unknown or garbled, and maps it to an expression', () => {
    expect(resolveReplyEmotion('太好了，恭喜你！真为你高兴。', LABEL_SET)).toEqual({
      content: '太好了，恭喜你！真为你高兴。',
      emotion: 'happy',
      emotionSource: 'classifier',
    });
    expect(resolveReplyEmotion('[confused] 听到这个消息我好难过，想哭。', LABEL_SET)).toEqual({
      content: '听到这个消息我好难过，想哭。',
      emotion: 'sad',
      emotionSource: 'classifier',
    });
    // Fear has no face of its own: the label file maps it to worried.
    expect(resolveReplyEmotion('[sa d 你这样我好害怕，真的很担心出事', LABEL_SET)).toMatchObject({
      emotion: 'worried',
      emotionSource: 'classifier',
    });
  });

  it('maps every basic emotion through from_basic', () => {
    for (const basic of basicEmotions) {
      const resolved = resolveReplyEmotion('没有标签的回复', LABEL_SET, scripted({ [basic]: 0.9 }));
      expect(resolved.emotion).toBe(LABEL_SET.from_basic[basic]);
    }
  });

  it('gives empty content for a reply that is only a tag (the caller decides what to do with it)', () => {
    expect(resolveReplyEmotion('[sad]', LABEL_SET)).toEqual({
      content: '',
      emotion: 'sad',
      emotionSource: 'model',
    });
  });

  it('never leaves a known tag in the content and keeps ordinary brackets', () => {
    const { content } = resolveReplyEmotion(
      '[thinking] 【小建议】试试 [Headspace]。[caring] 慢慢来。[emotion: worried] 注意安全。[thinking]',
      LABEL_SET,
    );
    expect(content).toContain('【小建议】');
    expect(content).toContain('[Headspace]');
    for (const label of KNOWN_LABELS) expect(content.toLowerCase()).not.toContain(`${label}]`);
  });
});

describe('the override rule: the classifier replaces a tag that contradicts the text badly', () => {
  it('overrides [happy] on a reply full of sorrow for a loss, and records what the model said', () => {
    expect(
      resolveReplyEmotion(
        '[happy] 听到你外婆去世的消息，我真的很难过，心里好痛，想陪你一起哭一场。',
        LABEL_SET,
      ),
    ).toEqual({
      content: '听到你外婆去世的消息，我真的很难过，心里好痛，想陪你一起哭一场。',
      emotion: 'sad',
      emotionSource: 'classifier',
      modelEmotion: 'happy',
    });
  });

  it('overrides exactly at the thresholds, and not a hair beyond them', () => {
    const atEdge = scripted({ sad: OVERRIDE_MIN_SCORE, happy: OVERRIDE_MAX_MODEL_SCORE });
    expect(resolveReplyEmotion('[happy] 文本', LABEL_SET, atEdge)).toMatchObject({
      emotion: 'sad',
      modelEmotion: 'happy',
    });
    const unsure = scripted({ sad: OVERRIDE_MIN_SCORE - 0.01, happy: 0.1 });
    expect(resolveReplyEmotion('[happy] 文本', LABEL_SET, unsure)).toMatchObject({
      emotion: 'happy',
      emotionSource: 'model',
    });
    const mixed = scripted({ sad: 0.7, happy: OVERRIDE_MAX_MODEL_SCORE + 0.01 });
    expect(resolveReplyEmotion('[happy] 文本', LABEL_SET, mixed)).toMatchObject({
      emotion: 'happy',
      emotionSource: 'model',
    });
  });

  it('overrides a negative tag on a clearly happy reply, the other way round', () => {
    expect(resolveReplyEmotion('[sad] 文本', LABEL_SET, scripted({ happy: 0.8, sad: 0.05 }))).toMatchObject({
      emotion: 'happy',
      emotionSource: 'classifier',
      modelEmotion: 'sad',
    });
  });

  it('keeps the tag when the feelings differ but are not opposite (sad vs worried, or surprise)', () => {
    expect(resolveReplyEmotion('[worried] 文本', LABEL_SET, scripted({ sad: 0.9 }))).toMatchObject({
      emotion: 'worried',
    });
    expect(
      resolveReplyEmotion('[happy] 文本', LABEL_SET, scripted({ surprise: 0.9, happy: 0.01 })),
    ).toMatchObject({
      emotion: 'happy',
    });
  });

  it('never overrides an expression no basic emotion maps to (caring, thinking)', () => {
    for (const label of ['caring', 'thinking']) {
      expect(resolveReplyEmotion(`[${label}] 文本`, LABEL_SET, scripted({ happy: 0.99 }))).toMatchObject({
        emotion: label,
        emotionSource: 'model',
      });
    }
  });
});

describe('a custom label set works without code changes', () => {
  it('accepts the set’s own labels from the model', () => {
    expect(resolveReplyEmotion('[excited] 太棒了，真为你开心！', CALM_EXCITED_LABEL_SET)).toEqual({
      content: '太棒了，真为你开心！',
      emotion: 'excited',
      emotionSource: 'model',
    });
  });

  it('maps the classifier through the set’s own from_basic', () => {
    const resolved = resolveReplyEmotion('[sad] 今天太开心了！', CALM_EXCITED_LABEL_SET);
    expect(resolved).toEqual({ content: '今天太开心了！', emotion: 'excited', emotionSource: 'classifier' });
    expect(hasLabel(CALM_EXCITED_LABEL_SET, resolved.emotion)).toBe(true);
  });

  it('refuses a label file whose from_basic leaves a basic emotion out or names an unknown label', () => {
    const base = JSON.parse(JSON.stringify(CALM_EXCITED_LABEL_SET));
    const missing = { ...base, from_basic: { ...base.from_basic, fear: undefined } };
    expect(emotionLabelSetSchema.safeParse(missing).success).toBe(false);
    const unknown = { ...base, from_basic: { ...base.from_basic, fear: 'worried' } };
    expect(emotionLabelSetSchema.safeParse(unknown).success).toBe(false);
    expect(emotionLabelSetSchema.safeParse(base).success).toBe(true);
  });
});

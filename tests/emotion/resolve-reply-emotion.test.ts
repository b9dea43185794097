/**
 * resolveReplyEmotion decides the monster's expression for a reply: the model's tag when it names a known
 * label, else the keyword classifier. Labels and keywords come from the label file, so the tests read them
 * from there (and from a custom set) instead of repeating them.
 */
import { describe, expect, it } from 'vitest';
import { classifyByKeywords } from '../../shared/emotion/classify-by-keywords.js';
import { hasLabel } from '../../shared/emotion/emotion-label-set.js';
import { resolveReplyEmotion } from '../../shared/emotion/resolve-reply-emotion.js';
import { CALM_EXCITED_LABEL_SET, loadDefaultLabelSet } from './label-sets.js';

const LABEL_SET = loadDefaultLabelSet();
const KNOWN_LABELS = LABEL_SET.labels.map((entry) => entry.label);

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

  it('trusts the model’s tag over the keywords in the text', () => {
    // The text is full of "sad" keywords, but the model chose caring.
    expect(resolveReplyEmotion('[caring] 很遗憾，你一定很难过、很伤心。', LABEL_SET)).toMatchObject({
      emotion: 'caring',
      emotionSource: 'model',
    });
  });

  it('falls back to the classifier for an unknown tag, and removes that tag from the content', () => {
    expect(resolveReplyEmotion('[confused] 很遗憾听到这个消息，我也很难过。', LABEL_SET)).toEqual({
      content: '很遗憾听到这个消息，我也很难过。',
      emotion: 'sad',
      emotionSource: 'classifier',
    });
  });

  it('falls back to the classifier when the tag is missing', () => {
    expect(resolveReplyEmotion('太好了，恭喜你！真为你高兴。', LABEL_SET)).toEqual({
      content: '太好了，恭喜你！真为你高兴。',
      emotion: 'happy',
      emotionSource: 'classifier',
    });
  });

  it('uses the set’s fallback label when neither a tag nor a keyword is found', () => {
    expect(resolveReplyEmotion('The weather is mild today.', LABEL_SET)).toEqual({
      content: 'The weather is mild today.',
      emotion: LABEL_SET.fallback,
      emotionSource: 'classifier',
    });
  });

  it('gives empty content for a reply that is only a tag (the caller decides what to do with it)', () => {
    expect(resolveReplyEmotion('[sad]', LABEL_SET)).toEqual({
      content: '',
      emotion: 'sad',
      emotionSource: 'model',
    });
    expect(resolveReplyEmotion(' 【confused】 ', LABEL_SET)).toEqual({
      content: '',
      emotion: LABEL_SET.fallback,
      emotionSource: 'classifier',
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

describe('classifyByKeywords', () => {
  it('can reach every label of the label file through one of that label’s own keywords', () => {
    for (const entry of LABEL_SET.labels) {
      const reached = entry.keywords.some(
        (keyword) => classifyByKeywords(keyword, LABEL_SET) === entry.label,
      );
      expect(reached, `no keyword of "${entry.label}" classifies as "${entry.label}"`).toBe(true);
    }
  });

  it('picks the label with the most keyword hits', () => {
    // One "worried" keyword (担心) against three "sad" ones (难过, 伤心, 哭).
    expect(classifyByKeywords('我有点担心你，听说你很难过、很伤心，一直在哭。', LABEL_SET)).toBe('sad');
  });

  it('on a tie, picks the label listed first in the file', () => {
    const firstListed = LABEL_SET.labels.findIndex((entry) => entry.label === 'happy');
    const laterListed = LABEL_SET.labels.findIndex((entry) => entry.label === 'worried');
    expect(firstListed).toBeLessThan(laterListed);
    expect(classifyByKeywords('开心，又有点紧张', LABEL_SET)).toBe('happy');
  });

  it('returns the set’s fallback when no keyword occurs, including for empty text', () => {
    expect(classifyByKeywords('Nothing here matches.', LABEL_SET)).toBe(LABEL_SET.fallback);
    expect(classifyByKeywords('', LABEL_SET)).toBe(LABEL_SET.fallback);
  });
});

describe('a custom label set works without code changes', () => {
  it('accepts the set’s own labels from the model', () => {
    expect(resolveReplyEmotion('[excited] 太棒了，真为你开心！', CALM_EXCITED_LABEL_SET)).toEqual({
      content: '太棒了，真为你开心！',
      emotion: 'excited',
      emotionSource: 'model',
    });
    expect(resolveReplyEmotion('【CALM】先深呼吸。', CALM_EXCITED_LABEL_SET)).toMatchObject({
      emotion: 'calm',
      emotionSource: 'model',
    });
  });

  it('treats a label of the default file as unknown and classifies with the set’s keywords', () => {
    expect(resolveReplyEmotion('[sad] 我好激动，迫不及待想听你说！', CALM_EXCITED_LABEL_SET)).toEqual({
      content: '我好激动，迫不及待想听你说！',
      emotion: 'excited',
      emotionSource: 'classifier',
    });
  });

  it('falls back to the set’s own fallback label', () => {
    const resolved = resolveReplyEmotion('很遗憾听到这个消息。', CALM_EXCITED_LABEL_SET);
    expect(resolved).toEqual({
      content: '很遗憾听到这个消息。',
      emotion: 'calm',
      emotionSource: 'classifier',
    });
    expect(hasLabel(CALM_EXCITED_LABEL_SET, resolved.emotion)).toBe(true);
  });

  it('removes the set’s own labels from the middle of the text', () => {
    expect(resolveReplyEmotion('[excited] 太棒了！[calm] 先放松一下。', CALM_EXCITED_LABEL_SET).content).toBe(
      '太棒了！ 先放松一下。',
    );
  });
});

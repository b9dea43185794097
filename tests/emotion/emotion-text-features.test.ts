import { describe, expect, it } from 'vitest';
import { normaliseEmotionText } from '../../shared/emotion/normalise-emotion-text.js';
import { characterNgrams } from '../../shared/text/character-ngrams.js';

describe('normaliseEmotionText', () => {
  it('folds full-width forms and case, so one lexicon spelling matches all', () => {
    expect(normaliseEmotionText('ＯＭＧ！？Ａｂ')).toBe('omg!?ab');
  });

  it('drops @mentions, whose user names are not the writer’s emotion, and marks links', () => {
    expect(normaliseEmotionText('转发//@开心小熊:好难过 https://t.cn/abc')).toBe('转发// :好难过  http ');
  });
});

describe('characterNgrams', () => {
  it('gives the distinct 1- to 3-grams in order of first appearance, never across punctuation', () => {
    expect(characterNgrams('开心!开心好', 1, 3)).toEqual(['开', '开心', '心', '开心好', '心好', '好']);
  });

  it('can leave out the shorter n-grams', () => {
    expect(characterNgrams('好难过', 2, 3)).toEqual(['好难', '好难过', '难过']);
  });

  it('counts an emoji or a rare character as one character', () => {
    expect(characterNgrams('𠀋好', 1, 2)).toEqual(['𠀋', '𠀋好', '好']);
  });
});

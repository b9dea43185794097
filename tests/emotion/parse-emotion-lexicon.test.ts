import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EMOTION_LEXICON_FILE,
  parseEmotionLexicon,
} from '../../scripts/emotion-model/parse-emotion-lexicon.js';
import { EMOTION_ASSETS_DIR } from '../../shared/emotion/load-emotion-model.js';

describe('parseEmotionLexicon', () => {
  it('reads words into every section they are listed in, and the modifiers', () => {
    const spec = parseEmotionLexicon(
      '# comment\n[happy]\n惊喜 1.5\n开心\n[surprise]\n惊喜 1\n[ignore]\n开心果\n[negators]\n不\n' +
        '[negated]\nhappy sad 0.5\n[intensifiers]\n太 1.4\n[suffix-intensifiers]\n死了 1.3\n',
    );
    expect(spec).toEqual({
      words: { 惊喜: { happy: 1.5, surprise: 1 }, 开心: { happy: 1 }, 开心果: {} },
      negators: ['不'],
      negated: { happy: { sad: 0.5 } },
      intensifiers: { 太: 1.4 },
      suffixIntensifiers: { 死了: 1.3 },
    });
  });

  it('normalises entries the way texts are normalised', () => {
    expect(parseEmotionLexicon('[surprise]\nＯＭＧ 1\n').words).toEqual({ omg: { surprise: 1 } });
  });

  it.each([
    ['[happy]\n开心 lots\n', /line 2 \(开心 lots\): bad weight/],
    ['[happy]\n开心\n开心 2\n', /line 3 .*listed twice/],
    ['[negators]\n不\n[happy]\n不 1\n', /line 4 .*already listed in \[negators\]/],
    ['[moods]\n开心\n', /line 2 .*unknown section \[moods\]/],
    ['[negated]\nhappy glad 1\n', /line 2 .*expected "label target share"/],
    ['[happy]\n开 心 1\n', /expected "text" or "text weight"/],
  ])('stops at a mistake with its line number (%#)', (source, message) => {
    expect(() => parseEmotionLexicon(source)).toThrow(message);
  });

  it('reads the shipped team lexicon', () => {
    const spec = parseEmotionLexicon(
      readFileSync(path.join(EMOTION_ASSETS_DIR, EMOTION_LEXICON_FILE), 'utf8'),
    );
    expect(Object.keys(spec.words).length).toBeGreaterThan(1000);
    expect(spec.words['[哈哈]']).toEqual({ happy: 2 });
    expect(spec.negators).toContain('不');
  });
});

/**
 * The lexicon scorer on a small lexicon written here, so each rule is seen alone: longest match,
 * blockers, Latin whole words, negation, intensifiers, suffixes and repetition.
 */
import { describe, expect, it } from 'vitest';
import { parseEmotionLexicon } from '../../scripts/emotion-model/parse-emotion-lexicon.js';
import { compileLexicon } from '../../shared/emotion/compile-lexicon.js';
import { normaliseEmotionText } from '../../shared/emotion/normalise-emotion-text.js';
import { scoreLexicon } from '../../shared/emotion/score-lexicon.js';

const LEXICON = compileLexicon(
  parseEmotionLexicon(`
[happy]
开心 2
hhh 1
[sad]
难过 2
不开心 1.8
[surprise]
omg 1
[ignore]
开心果
[negators]
不
没有
[negated]
happy sad 0.5
sad neutral 0.5
[intensifiers]
太 1.5
有点 0.5
[suffix-intensifiers]
死了 2
`),
);

function score(text: string) {
  const { scores, hits } = scoreLexicon(normaliseEmotionText(text), LEXICON);
  const [happy, sad, , , surprise, , neutral] = scores;
  return { happy, sad, surprise, neutral, hits: hits.map((hit) => `${hit.negated ? '¬' : ''}${hit.text}`) };
}

describe('scoreLexicon', () => {
  it('takes the longest entry: 不开心 is its own sad word, not a negated 开心', () => {
    expect(score('我不开心')).toMatchObject({ happy: 0, sad: 1.8, hits: ['不开心'] });
  });

  it('lets a blocker hide the word inside it', () => {
    expect(score('吃开心果')).toMatchObject({ happy: 0, hits: [] });
  });

  it('turns a negated word over, up to two characters after the negator', () => {
    expect(score('没有开心')).toMatchObject({ happy: 0, sad: 1, hits: ['¬开心'] });
    expect(score('不太开心')).toMatchObject({ happy: 0, sad: 1 });
    expect(score('不难过')).toMatchObject({ sad: 0, neutral: 1 });
  });

  it('does not carry a negation across punctuation or far away', () => {
    expect(score('不，开心')).toMatchObject({ happy: 2, sad: 0 });
    expect(score('不是因为工作开心')).toMatchObject({ happy: 2, sad: 0 });
  });

  it('multiplies by an intensifier before and a suffix after the word', () => {
    expect(score('太开心')).toMatchObject({ happy: 3 });
    expect(score('有点难过')).toMatchObject({ sad: 1 });
    expect(score('开心死了')).toMatchObject({ happy: 4 });
    expect(score('开心得死了')).toMatchObject({ happy: 4 });
  });

  it('counts a repeated word a little, not in full', () => {
    expect(score('开心开心开心').happy).toBeCloseTo(3.2, 10);
  });

  it('scales Weibo emoticon codes by emoticonScale, and nothing else', () => {
    const scaled = compileLexicon(parseEmotionLexicon('[happy]\n开心 2\n[开心] 2\n'), 0.5);
    const happyOf = (text: string) => scoreLexicon(normaliseEmotionText(text), scaled).scores[0];
    expect(happyOf('[开心]')).toBe(1);
    expect(happyOf('开心')).toBe(2);
  });

  it('reads Latin words whole, in any width or case, and collapses repeated letters', () => {
    expect(score('ＯＭＧ！').surprise).toBe(1);
    expect(score('zomg').surprise).toBe(0);
    expect(score('hhhhhh').happy).toBe(1);
  });
});

/**
 * The one normalisation every text check reads: an obfuscated message must come out as its plain form,
 * and ordinary text must not be damaged on the way.
 */
import { describe, expect, it } from 'vitest';
import { normaliseText } from '../../shared/text/normalise-text.js';

const between = (text: string, filler: string) => [...text].join(filler);

describe('normaliseText', () => {
  const plain = '我想自杀,已经准备好了';

  it.each([
    ['zero-width spaces between every character', between(plain, '\u200b')],
    ['zero-width joiners and non-joiners', between(plain, '\u200d\u200c')],
    ['word joiners, soft hyphens and a byte-order mark', `\ufeff${between(plain, '\u2060\u00ad')}`],
    ['variation selectors and the combining grapheme joiner', between(plain, '\ufe0f\u034f')],
    ['bidirectional marks', between(plain, '\u200e\u202a')],
    ['Hangul fillers and the braille blank', between(plain, '\u3164\u2800')],
    ['full-width punctuation', '我想自杀，已经准备好了'],
    ['traditional characters', '我想自殺,已經準備好了'],
    ['traditional characters and zero-width spaces together', between('我想自殺，已經準備好了', '\u200b')],
    ['NUL between every character', between(plain, '\0')],
    ['other control characters (SOH, DEL, C1 controls)', between(plain, '\u0001\u007f\u0090')],
    ['emoji between the characters of a word', '我😀想😀自😀杀,已👍🏻经准备好了'],
    ['a space or a tab inside a word', '我想自 杀,已经准备\t好了'],
  ])('gives the plain text for %s', (_how, obfuscated) => {
    expect(normaliseText(obfuscated)).toBe(plain);
  });

  it('folds full-width Latin letters and digits to lower-case ASCII', () => {
    expect(normaliseText('ＡＢＣ　ｄ１２３')).toBe('abc d123');
  });

  it('converts the common traditional characters of distress and everyday talk', () => {
    expect(normaliseText('這個還會傷害嗎？我們說對了，覺得為難')).toBe('这个还会伤害吗?我们说对了,觉得为难');
  });

  it('joins Han characters spaced out one by one or padded with spaces, but not across a line break', () => {
    expect(normaliseText('我 想 自 杀')).toBe('我想自杀');
    expect(normaliseText('不.想.活.了')).toBe('不想活了');
    // Written Chinese puts no spaces between words: a space between two Han characters is padding.
    expect(normaliseText('好累 不想活了')).toBe('好累不想活了');
    expect(normaliseText('毒 品')).toBe('毒品');
    expect(normaliseText('好累\n不想活了')).toBe('好累 不想活了');
    expect(normaliseText('hello world 你好')).toBe('hello world 你好');
  });

  it('collapses repeated punctuation and runs of whitespace', () => {
    expect(normaliseText('救命！！！！真的？？？……')).toBe('救命!真的?.');
    expect(normaliseText('好累   \n\t 真的')).toBe('好累 真的');
  });

  it('keeps accented letters, emoji outside words and simplified text as they are', () => {
    expect(normaliseText('café')).toBe('café');
    expect(normaliseText('今天好开心😊😊')).toBe('今天好开心😊😊');
    expect(normaliseText('干杯,著名的地方')).toBe('干杯,著名的地方');
  });
});

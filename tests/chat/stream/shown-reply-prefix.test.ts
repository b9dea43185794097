import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shownReplyPrefix } from '../../../shared/chat/stream/shown-reply-prefix.js';
import { parseEmotionTag } from '../../../shared/emotion/parse-emotion-tag.js';

const known = ['happy', 'sad', 'caring', 'neutral'];

/** Every shown prefix as the raw reply grows one piece at a time. */
function shownAlong(pieces: readonly string[]): string[] {
  let raw = '';
  return pieces.map((piece) => {
    raw += piece;
    return shownReplyPrefix(raw, known).text;
  });
}

describe('the part of a reply that may be shown while it is written', () => {
  it('holds a tag at the start until it closes, then shows the words without it', () => {
    expect(shownAlong(['[', 'sa', 'd]', ' 今天', '辛苦了'])).toEqual(['', '', '', '今天', '今天辛苦了']);
    expect(shownReplyPrefix('【情绪：sad】你好', known)).toEqual({ text: '你好', tag: 'sad' });
  });

  it('holds a tag at the end, with the punctuation after it, until the reply goes on or ends', () => {
    expect(shownAlong(['听起来很难过', '[s', 'ad]', '。'])).toEqual([
      '听起来很难过',
      '听起来很难过',
      '听起来很难过',
      '听起来很难过',
    ]);
    expect(parseEmotionTag('听起来很难过[sad]。', known).content).toBe('听起来很难过。');
    // A known tag in the middle is removed from the shown text as from the stored one.
    expect(shownReplyPrefix('你好[sad]世界', known).text).toBe('你好世界');
  });

  it('shows at once a bracket that cannot be a tag', () => {
    expect(shownAlong(['好的', '[微', '笑]', '继续'])).toEqual([
      '好的',
      '好的[微',
      '好的[微笑]',
      '好的[微笑]继续',
    ]);
    expect(shownReplyPrefix('第[1', known).text).toBe('第[1');
    // An unknown bracketed word is only a tag at the very end; once text follows it, it shows.
    expect(shownAlong(['看', '[ok]', '吧'])).toEqual(['看', '看', '看[ok]吧']);
  });

  it('never shows leading or trailing space the stored reply trims', () => {
    expect(shownAlong(['  ', '你好 ', ' 呀'])).toEqual(['', '你好', '你好  呀']);
  });

  it('only ever shows a prefix of the final content, and never the tag, however the reply is cut', () => {
    const fragment = fc.constantFrom(
      '[sad]',
      '【happy】',
      '[emotion: caring]',
      '[ok]',
      '[微笑]',
      '[',
      ']',
      '。',
      ' ',
      '\n',
      '你好',
      '难过',
      'abc',
      '情绪',
      '[情',
      '!',
      '…',
    );
    fc.assert(
      fc.property(
        fc.array(fragment, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (parts, cuts) => {
          const raw = parts.join('');
          const final = parseEmotionTag(raw, known).content;
          // Random piece boundaries, not only the fragments' own.
          const positions = [...new Set(cuts.map((cut) => cut % (raw.length + 1)))].sort((a, b) => a - b);
          let previous = '';
          for (const position of [...positions, raw.length]) {
            const shown = shownReplyPrefix(raw.slice(0, position), known).text;
            expect(final.startsWith(shown)).toBe(true);
            expect(shown.startsWith(previous)).toBe(true);
            previous = shown;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

/**
 * parseEmotionTag reads the model's `[label]` tag and removes it from the reply. Models drift from the
 * exact format (full-width brackets, spaces, upper case, a prefix, the tag at the end), and whatever they
 * do, a tag must never reach the user or the history, while ordinary bracketed text must stay.
 */
import { describe, expect, it } from 'vitest';
import { parseEmotionTag } from '../../shared/emotion/parse-emotion-tag.js';
import { loadDefaultLabelSet } from './label-sets.js';

const KNOWN_LABELS = loadDefaultLabelSet().labels.map((entry) => entry.label);

/** True when any known label still stands right before a closing bracket, in any bracket style or case. */
function containsKnownTag(content: string): boolean {
  const wordsBeforeClosingBrackets = content.toLowerCase().matchAll(/([a-z_]+)\s*[\]】］]/g);
  return [...wordsBeforeClosingBrackets].some((match) => KNOWN_LABELS.includes(match[1] ?? ''));
}

describe('parseEmotionTag: the tag the model gave', () => {
  it.each([
    ['at the start', '[sad] 很遗憾听到这个消息…', '很遗憾听到这个消息…'],
    ['in full-width 【】 brackets', '【sad】很遗憾听到这个消息', '很遗憾听到这个消息'],
    ['in full-width ［］ brackets', '［sad］很遗憾听到这个消息', '很遗憾听到这个消息'],
    ['with spaces inside the brackets', '[ sad ] 很遗憾听到这个消息', '很遗憾听到这个消息'],
    ['in upper case', '[SAD] 很遗憾听到这个消息', '很遗憾听到这个消息'],
    ['with an `emotion:` prefix', '[emotion: sad] 很遗憾听到这个消息', '很遗憾听到这个消息'],
    ['with a `情绪：` prefix in 【】', '【情绪：sad】很遗憾听到这个消息', '很遗憾听到这个消息'],
    ['after leading blank lines', '\n\n  [sad]\n很遗憾听到这个消息', '很遗憾听到这个消息'],
    ['at the end', '很遗憾听到这个消息。[sad]', '很遗憾听到这个消息。'],
    ['at the end with a prefix', '很遗憾听到这个消息。 [情绪: sad]', '很遗憾听到这个消息。'],
    ['at both ends', '[sad] 很遗憾听到这个消息。 [sad]', '很遗憾听到这个消息。'],
  ])('reads a tag %s and removes it', (_where, reply, expectedContent) => {
    const parsed = parseEmotionTag(reply, KNOWN_LABELS);
    expect(parsed).toEqual({ tag: 'sad', content: expectedContent });
    expect(containsKnownTag(parsed.content)).toBe(false);
  });

  it('keeps the leading tag when a different known tag closes the reply, and removes both', () => {
    expect(parseEmotionTag('[sad] 很遗憾。[caring]', KNOWN_LABELS)).toEqual({
      tag: 'sad',
      content: '很遗憾。',
    });
  });

  it('removes a known tag in the middle of the reply, whatever its bracket style or prefix', () => {
    const parsed = parseEmotionTag(
      '[sad] 第一句。[caring] 第二句。【THINKING】第三句。[emotion: worried] 第四句。',
      KNOWN_LABELS,
    );
    expect(parsed.tag).toBe('sad');
    expect(containsKnownTag(parsed.content)).toBe(false);
    for (const sentence of ['第一句。', '第二句。', '第三句。', '第四句。'])
      expect(parsed.content).toContain(sentence);
  });

  it('reads an unknown tag (so the caller can fall back) and still removes it', () => {
    expect(parseEmotionTag('[confused] 嗯，让我想想。', KNOWN_LABELS)).toEqual({
      tag: 'confused',
      content: '嗯，让我想想。',
    });
  });

  it('prefers a known label at the end over an unknown one at the start, removing both', () => {
    expect(parseEmotionTag('[confused] 很遗憾听到这个消息。[sad]', KNOWN_LABELS)).toEqual({
      tag: 'sad',
      content: '很遗憾听到这个消息。',
    });
  });

  it('gives no tag when the reply has none, and leaves the text as it is', () => {
    expect(parseEmotionTag('  很遗憾听到这个消息。 ', KNOWN_LABELS)).toEqual({
      tag: undefined,
      content: '很遗憾听到这个消息。',
    });
  });

  it.each(['[sad]', '  【SAD】 \n', '[sad] [sad]'])(
    'leaves empty content for a reply that is only a tag: %j',
    (reply) => {
      expect(parseEmotionTag(reply, KNOWN_LABELS)).toEqual({ tag: 'sad', content: '' });
    },
  );
});

describe('parseEmotionTag: bracketed text that is not a tag stays', () => {
  it('keeps Chinese 【小建议】 headings, at the start or inside', () => {
    expect(parseEmotionTag('[thinking] 【小建议】先深呼吸。【小提示】早点睡。', KNOWN_LABELS)).toEqual({
      tag: 'thinking',
      content: '【小建议】先深呼吸。【小提示】早点睡。',
    });
    expect(parseEmotionTag('【小建议】先深呼吸。', KNOWN_LABELS)).toEqual({
      tag: undefined,
      content: '【小建议】先深呼吸。',
    });
  });

  it('keeps a bracketed ASCII word in the middle that is not a label', () => {
    expect(parseEmotionTag('[caring] 你可以试试 [Headspace] 这个应用，慢慢来。', KNOWN_LABELS)).toEqual({
      tag: 'caring',
      content: '你可以试试 [Headspace] 这个应用，慢慢来。',
    });
    expect(parseEmotionTag('可以参考 [note] 里的方法。', KNOWN_LABELS).content).toBe(
      '可以参考 [note] 里的方法。',
    );
  });

  it('keeps a word that merely starts with a label name', () => {
    expect(parseEmotionTag('[sad] 这首歌叫 [sadness] 。', KNOWN_LABELS).content).toBe(
      '这首歌叫 [sadness] 。',
    );
  });

  it('keeps an unknown trailing bracket when the reply already started with a tag', () => {
    expect(parseEmotionTag('[caring] 推荐你试试 [Calm]', KNOWN_LABELS)).toEqual({
      tag: 'caring',
      content: '推荐你试试 [Calm]',
    });
  });
});

describe('parseEmotionTag: the known labels come from the caller', () => {
  it('removes mid-text tags of whatever set it is given, and only those', () => {
    const parsed = parseEmotionTag('[excited] 太棒了！[calm] 先深呼吸。[sad] 这个不是本套标签。', [
      'calm',
      'excited',
    ]);
    expect(parsed).toEqual({ tag: 'excited', content: '太棒了！ 先深呼吸。[sad] 这个不是本套标签。' });
  });

  it('with no known labels, still reads and removes the leading tag', () => {
    expect(parseEmotionTag('[sad] 很遗憾', [])).toEqual({ tag: 'sad', content: '很遗憾' });
  });
});

describe('a trailing tag followed by punctuation', () => {
  it.each([
    ['很遗憾听到这个。[sad]。', '很遗憾听到这个。'],
    ['很遗憾听到这个[sad]。', '很遗憾听到这个。'],
    ['我在这里陪你 【caring】 ！', '我在这里陪你！'],
  ])('reads %j as the label and keeps one final punctuation mark', (reply, content) => {
    const parsed = parseEmotionTag(reply, ['sad', 'caring']);
    expect(parsed.content).toBe(content);
    expect(parsed.tag).toBe(reply.includes('caring') ? 'caring' : 'sad');
  });
});

describe('parseEmotionTag on replies with long runs of whitespace', () => {
  // The trailing-tag regex used to be retried at every position of a whitespace run: 40,000 spaces took
  // 2 s, so 200,000 would take about a minute and overrun the test timeout. Walking back from the end
  // looks at each character a bounded number of times (the bench measures the speed, not this test).
  const run = 200_000;
  const spaces = ' '.repeat(run);
  const mixed = ' \t\n\u3000\r\u00a0\u2003\f'.repeat(run / 8);

  it.each([
    ['only spaces', spaces, { tag: undefined, content: '' }],
    ['only mixed whitespace', mixed, { tag: undefined, content: '' }],
    ['spaces between two words', `好${spaces}的`, { tag: undefined, content: `好${spaces}的` }],
    ['a tag, then spaces and a word', `[sad]${spaces}好的`, { tag: 'sad', content: '好的' }],
    ['spaces, then a closing tag', `好的${mixed}[sad]${mixed}`, { tag: 'sad', content: '好的' }],
    ['an open bracket and spaces', `好的[${spaces}`, { tag: undefined, content: '好的[' }],
    ['a bracket full of spaces', `好的[${spaces}]`, { tag: undefined, content: `好的[${spaces}]` }],
    ['spaces inside a closing tag', `好的[${spaces}sad${spaces}]`, { tag: 'sad', content: '好的' }],
    [
      'a prefix and spaces',
      `好的【emotion${spaces}x】`,
      { tag: undefined, content: `好的【emotion${spaces}x】` },
    ],
  ])('parses %s correctly', (_shape, reply, expected) => {
    expect(parseEmotionTag(reply, KNOWN_LABELS)).toEqual(expected);
  });

  it('parses many short runs of spaces and brackets', () => {
    const reply = `[sad] ${'[ 好 ] 。 '.repeat(run / 8)}[sad] 。`;
    const parsed = parseEmotionTag(reply, KNOWN_LABELS);
    expect(parsed.tag).toBe('sad');
    expect(containsKnownTag(parsed.content)).toBe(false);
  });
});

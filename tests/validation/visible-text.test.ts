/**
 * A message is what the user sees: nothing but invisible characters is MESSAGE_EMPTY, and the length
 * limits count characters as a person does (graphemes), so an emoji, a flag or a family emoji is one.
 */
import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../../shared/chat/parse-chat-request.js';
import { AppError } from '../../shared/errors/app-error.js';
import {
  exceedsCharacters,
  hasVisibleText,
  MAX_CODE_POINTS_PER_CHARACTER,
} from '../../shared/validation/visible-text.js';

const limits = {
  maxMessageChars: 10,
  maxHistoryItems: 5,
  maxHistoryItemChars: 12,
} as Parameters<typeof parseChatRequest>[1];

function codeOf(body: Record<string, unknown>): string | undefined {
  try {
    parseChatRequest({ session_id: 's1', ...body }, limits);
    return undefined;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

const family = '👨‍👩‍👧‍👦'; // 7 code points, 11 UTF-16 units
const couple = '👩🏻‍❤️‍💋‍👨🏼'; // 10 code points
const invisibles = [
  '\u200b', // zero width space (Cf)
  '\u0000', // NUL (Cc)
  '\u200d\u200c\u2060\ufeff\u00ad', // joiners, word joiner, BOM, soft hyphen
  '\ufe0f\ufe0e\u{e0100}', // variation selectors
  '\u{e0041}\u{e007f}', // tag characters
  '\u3164\u115f\u1160\uffa0', // Hangul fillers
  '\u2800', // braille blank
  '\u034f', // combining grapheme joiner
  ' \t\n\r\u3000\u00a0\u2028\u2029\u0085\u202f', // whitespace of every kind
  '\u001b\u007f\u0080\u009f', // other controls
];

describe('an invisible message', () => {
  it.each(invisibles)('is MESSAGE_EMPTY: %j', (message) => {
    expect(hasVisibleText(message)).toBe(false);
    expect(codeOf({ message })).toBe('MESSAGE_EMPTY');
    expect(codeOf({ message: `${message}\u200b ${message}` })).toBe('MESSAGE_EMPTY');
  });

  it('in history is refused as an invalid item', () => {
    expect(codeOf({ message: '你好', history: [{ role: 'user', content: '\u200b\u0000' }] })).toBe(
      'INVALID_INPUT',
    );
  });

  it.each(['好', 'a', '。', family, '\u200b好\u200b', '❤️', 'e\u0301', '·'])(
    'is not what a message with something visible is: %j',
    (message) => {
      expect(hasVisibleText(message)).toBe(true);
      expect(codeOf({ message })).toBeUndefined();
    },
  );
});

describe('message length in characters as a person counts them', () => {
  it.each([
    ['family emoji', family],
    ['couple emoji with skin tones', couple],
    ['flag', '🇨🇳'],
    ['keycap', '1️⃣'],
    ['accented letter', 'e\u0301'],
    ['Chinese character', '心'],
    ['astral Chinese character', '𠀀'],
  ])('counts a %s as one character', (_name, character) => {
    expect(codeOf({ message: character.repeat(limits.maxMessageChars) })).toBeUndefined();
    expect(codeOf({ message: character.repeat(limits.maxMessageChars + 1) })).toBe('MESSAGE_TOO_LONG');
    expect(exceedsCharacters(character.repeat(3), 3)).toBe(false);
    expect(exceedsCharacters(character.repeat(4), 3)).toBe(true);
  });

  it('applies the same count to history items', () => {
    const item = (content: string) => ({ message: '你好', history: [{ role: 'agent', content }] });
    expect(codeOf(item(family.repeat(limits.maxHistoryItemChars)))).toBeUndefined();
    expect(codeOf(item(family.repeat(limits.maxHistoryItemChars + 1)))).toBe('INVALID_INPUT');
  });

  it('refuses one letter carrying more combining marks than any real character holds', () => {
    const max = limits.maxMessageChars;
    // One grapheme, but far more code points than `max` characters can hold.
    const zalgo = `a${'\u0301'.repeat(max * MAX_CODE_POINTS_PER_CHARACTER)}`;
    expect(codeOf({ message: zalgo })).toBe('MESSAGE_TOO_LONG');
    const heavy = `a${'\u0301'.repeat(max * MAX_CODE_POINTS_PER_CHARACTER - 1)}`;
    expect(codeOf({ message: heavy })).toBeUndefined();
  });

  it('finds a message far over the limit too long, in characters or in code points', () => {
    expect(exceedsCharacters('心'.repeat(500_000), 2_000)).toBe(true);
    expect(exceedsCharacters(family.repeat(40_000), 2_000)).toBe(true);
  });
});

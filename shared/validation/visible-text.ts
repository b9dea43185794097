/**
 * Text as the person reading it sees it: a message of nothing but invisible characters is empty, and a
 * character is a grapheme (what a cursor steps over), so an emoji, a flag or a family emoji counts one.
 */

// Whitespace, controls (NUL…), format characters (U+200B, ZWJ, BOM, tags), variation selectors, the
// other default-ignorable code points (Hangul fillers, U+034F) and the blank braille cell: none shows.
const INVISIBLE_ONLY =
  /^[\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Variation_Selector}\u2800]*$/u;

/** True when the text shows anything at all. */
export function hasVisibleText(text: string): boolean {
  return !INVISIBLE_ONLY.test(text);
}

/**
 * Code points one character may hold before the rest count against the limit as well: the longest
 * standard emoji (a couple with skin tones, 👩🏻‍❤️‍💋‍👨🏼) has 10. Without it, one letter followed by
 * thousands of combining marks would be a single character.
 */
export const MAX_CODE_POINTS_PER_CHARACTER = 10;

// Made on first use: nearly every message is short enough never to need it.
let graphemes: Intl.Segmenter | undefined;

/**
 * Whether the text has more than `max` characters as a person counts them, or more code points than
 * `max` such characters can hold. Stops counting past the limit, and skips counting when the UTF-16
 * length (never less than the number of characters) is within it, as it is for nearly every message.
 */
export function exceedsCharacters(text: string, max: number): boolean {
  if (text.length <= max) return false;
  // Each code point is one or two UTF-16 units, so this bounds the code points from below.
  if (Math.ceil(text.length / 2) > max * MAX_CODE_POINTS_PER_CHARACTER) return true;
  let codePoints = 0;
  for (const _codePoint of text) codePoints += 1;
  if (codePoints > max * MAX_CODE_POINTS_PER_CHARACTER) return true;
  graphemes ??= new Intl.Segmenter('zh', { granularity: 'grapheme' });
  let count = 0;
  for (const _grapheme of graphemes.segment(text)) {
    count += 1;
    if (count > max) return true;
  }
  return false;
}

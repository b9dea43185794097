import {
  CLOSE_BRACKETS,
  isSpaceOrFinalPunctuation,
  isTagInner,
  OPEN_BRACKETS,
  parseEmotionTag,
} from '../../emotion/parse-emotion-tag.js';

/**
 * What a bracket at the very end may still grow into: a tag's opening (`[`, `[sa`, `【情绪：`). Letters,
 * `_`, spaces, the `:：=` of a `label:` prefix and the characters of 情绪/表情; anything else (`[微笑`,
 * `[1`) is ordinary text and shows at once.
 */
const TAG_OPENING = /^[[【［][\sA-Za-z_:：=情绪表]{0,40}$/;
const WHITESPACE = /\s/;

function lastOpenBracket(text: string, before: number): number {
  return Math.max(...OPEN_BRACKETS.map((bracket) => text.lastIndexOf(bracket, before - 1)));
}

/**
 * Where the part of a reply that may still change begins: a bracket that may still become a tag, and
 * before it any complete tags with the space and final punctuation around them (a tag at the end is
 * removed and the punctuation after it moved), and trailing space (trimmed at the end).
 */
function unsettledFrom(raw: string): number {
  let cut = raw.length;
  const open = lastOpenBracket(raw, raw.length);
  if (open >= 0 && TAG_OPENING.test(raw.slice(open))) cut = open;
  for (;;) {
    let index = cut;
    while (index > 0 && isSpaceOrFinalPunctuation(raw[index - 1] ?? '')) index -= 1;
    if (!CLOSE_BRACKETS.has(raw[index - 1] ?? '')) break;
    const tagOpen = lastOpenBracket(raw, index - 1);
    if (tagOpen < 0 || !isTagInner(raw.slice(tagOpen + 1, index - 1))) break;
    cut = tagOpen;
  }
  while (cut > 0 && WHITESPACE.test(raw[cut - 1] ?? '')) cut -= 1;
  return cut;
}

export interface ShownPrefix {
  /** The reply as the person may see it so far: always a prefix of the reply's final content. */
  text: string;
  /** The model's tag, once the part of the reply that holds it is settled. */
  tag: string | undefined;
}

/**
 * The part of a reply still being written that can be shown: the raw text with its unsettled end held
 * back, cleaned exactly as the whole reply will be (parse-emotion-tag.ts), so what is shown is a prefix of
 * the final content and the tag never appears in it. Held back is only what could still turn out to be
 * a tag (or its surroundings), at the start or at the end.
 */
export function shownReplyPrefix(raw: string, knownLabels: readonly string[]): ShownPrefix {
  const settled = raw.slice(0, unsettledFrom(raw));
  if (settled === '') return { text: '', tag: undefined };
  const parsed = parseEmotionTag(settled, knownLabels);
  return { text: parsed.content, tag: parsed.tag };
}

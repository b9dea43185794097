export interface ParsedReply {
  /** The reply with every emotion tag removed and surrounding space trimmed. */
  content: string;
  /** The label the model gave, lower-cased, if it gave one (known or not). */
  tag: string | undefined;
}

const open = '[\\[【［]';
const close = '[\\]】］]';
export const OPEN_BRACKETS = ['[', '【', '［'];
export const CLOSE_BRACKETS = new Set([']', '】', '］']);
// Optional `emotion:` / `情绪：` prefix inside the brackets, which some models add despite the prompt.
const labelPrefix = '(?:(?:emotion|label|情绪|表情)\\s*[:：=]\\s*)?';
const inner = `\\s*${labelPrefix}([A-Za-z][A-Za-z_]{0,31})\\s*`;
// Anchored at the start, so it is tried at one position only.
const leadingTag = new RegExp(`^\\s*${open}${inner}${close}\\s*`, 'i');
const wholeInner = new RegExp(`^${inner}$`, 'i');
const WHITESPACE = /\s/;
const FINAL_PUNCTUATION = /[。．.!！?？~～…]/;
const endsWithPunctuation = /[。．.!！?？~～…]$/;

interface TrailingTag {
  label: string;
  /** Where the tag and the whitespace before it begin. */
  index: number;
  /** What follows the closing bracket: the sentence's last punctuation and space, `……难过。[sad]。`. */
  after: string;
}

/**
 * The tag closing the reply, found by walking back from the end rather than with an unanchored regex:
 * a regex ending in `$` is retried at every position, which made long runs of whitespace quadratic.
 * Every character is looked at a bounded number of times, however the reply is shaped.
 */
function findTrailingTag(content: string): TrailingTag | undefined {
  let end = content.length;
  while (end > 0 && isSpaceOrFinalPunctuation(content[end - 1] ?? '')) end -= 1;
  if (!CLOSE_BRACKETS.has(content[end - 1] ?? '')) return undefined;
  const closeIndex = end - 1;
  const openIndex = Math.max(...OPEN_BRACKETS.map((bracket) => content.lastIndexOf(bracket, closeIndex - 1)));
  if (openIndex < 0) return undefined;
  const label = wholeInner.exec(content.slice(openIndex + 1, closeIndex))?.[1];
  if (label === undefined) return undefined;
  let index = openIndex;
  while (index > 0 && WHITESPACE.test(content[index - 1] ?? '')) index -= 1;
  return { label, index, after: content.slice(end) };
}

/** Whether the text between two brackets is a tag (`sad`, ` emotion: sad `), known label or not. */
export function isTagInner(text: string): boolean {
  return wholeInner.test(text);
}

export function isSpaceOrFinalPunctuation(character: string): boolean {
  return WHITESPACE.test(character) || FINAL_PUNCTUATION.test(character);
}

/**
 * Reads the model's `[label]` tag from the start of a reply (or the end, where some models put it) and
 * removes it. Tolerates full-width brackets, spaces and upper case. A bracketed ASCII word elsewhere is
 * removed too when it is one of the known labels, so a tag never reaches the user or the history.
 */
export function parseEmotionTag(reply: string, knownLabels: readonly string[]): ParsedReply {
  let content = reply;
  let tag: string | undefined;
  const leading = leadingTag.exec(content);
  if (leading?.[1] !== undefined) {
    tag = leading[1].toLowerCase();
    content = content.slice(leading[0].length);
  }
  const trailing = findTrailingTag(content);
  const trailingLabel = trailing?.label.toLowerCase();
  if (
    trailing !== undefined &&
    trailingLabel !== undefined &&
    (tag === undefined || knownLabels.includes(trailingLabel))
  ) {
    // A known label wins over an unknown one, wherever the model put it.
    if (tag === undefined || !knownLabels.includes(tag)) tag = trailingLabel;
    const before = content.slice(0, trailing.index);
    const punctuation = trailing.after.trim();
    content = endsWithPunctuation.test(before.trimEnd()) ? before : `${before}${punctuation}`;
  }
  if (knownLabels.length > 0) {
    const anyKnown = new RegExp(`${open}\\s*${labelPrefix}(?:${knownLabels.join('|')})\\s*${close}`, 'gi');
    content = content.replace(anyKnown, '');
  }
  return { content: content.trim(), tag };
}

export interface ParsedReply {
  /** The reply with every emotion tag removed and surrounding space trimmed. */
  content: string;
  /** The label the model gave, lower-cased, if it gave one (known or not). */
  tag: string | undefined;
}

const open = '[\\[【［]';
const close = '[\\]】］]';
// Optional `emotion:` / `情绪：` prefix inside the brackets, which some models add despite the prompt.
const labelPrefix = '(?:(?:emotion|label|情绪|表情)\\s*[:：=]\\s*)?';
const inner = `\\s*${labelPrefix}([A-Za-z][A-Za-z_]{0,31})\\s*`;
const leadingTag = new RegExp(`^\\s*${open}${inner}${close}\\s*`, 'i');
// A trailing tag may still be followed by the sentence's last punctuation: `……难过。[sad]。`
const trailingTag = new RegExp(`\\s*${open}${inner}${close}([\\s。．.!！?？~～…]*)$`, 'i');
const endsWithPunctuation = /[。．.!！?？~～…]$/;

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
  const trailing = trailingTag.exec(content);
  const trailingLabel = trailing?.[1]?.toLowerCase();
  if (
    trailing !== null &&
    trailingLabel !== undefined &&
    (tag === undefined || knownLabels.includes(trailingLabel))
  ) {
    // A known label wins over an unknown one, wherever the model put it.
    if (tag === undefined || !knownLabels.includes(tag)) tag = trailingLabel;
    const before = content.slice(0, trailing.index);
    const punctuation = (trailing[2] ?? '').trim();
    content = endsWithPunctuation.test(before.trimEnd()) ? before : `${before}${punctuation}`;
  }
  if (knownLabels.length > 0) {
    const anyKnown = new RegExp(`${open}\\s*${labelPrefix}(?:${knownLabels.join('|')})\\s*${close}`, 'gi');
    content = content.replace(anyKnown, '');
  }
  return { content: content.trim(), tag };
}

import { normaliseText } from '../text/normalise-text.js';
import type { MemoryDocument, MemoryItem } from './memory-document.js';

/** The text as duplicates are compared: one spelling, without spaces, punctuation or symbols. */
export function comparable(text: string): string {
  return normaliseText(text).replace(/[\s\p{P}\p{S}]/gu, '');
}

/** Below this many comparable characters only the same words count as a duplicate, not containment. */
const minimumContained = 4;

/**
 * The item that says the same as the text: the same words, or with `containment` also one holding the
 * other (both at least `minimumContained` comparable characters long).
 */
export function findDuplicate(
  document: MemoryDocument,
  text: string,
  options: { containment: boolean },
): MemoryItem | undefined {
  const wanted = comparable(text);
  if (wanted === '') return undefined;
  const items = Object.values(document.items);
  const exact = items.find((item) => comparable(item.text) === wanted);
  if (exact !== undefined || !options.containment || wanted.length < minimumContained) return exact;
  return items.find((item) => {
    const known = comparable(item.text);
    return known.length >= minimumContained && (known.includes(wanted) || wanted.includes(known));
  });
}

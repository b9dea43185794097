/** Runs of letters and digits: n-grams never span punctuation, spaces or emoji (the lexicon reads those). */
const WORD_RUN = /[\p{L}\p{N}]+/gu;

/**
 * The distinct character n-grams of length minLength..maxLength of an already normalised text, in order
 * of first appearance. Distinct, because in short messages a repeated n-gram is more often noise than
 * evidence.
 */
export function characterNgrams(normalisedText: string, minLength: number, maxLength: number): string[] {
  const seen = new Set<string>();
  for (const match of normalisedText.matchAll(WORD_RUN)) {
    const characters = Array.from(match[0]);
    for (let start = 0; start < characters.length; start += 1) {
      let gram = '';
      for (let length = 1; length <= maxLength && start + length <= characters.length; length += 1) {
        gram += characters[start + length - 1];
        if (length >= minLength) seen.add(gram);
      }
    }
  }
  return [...seen];
}

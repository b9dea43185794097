/**
 * One spelling for everything the classifier reads. NFKC folds full-width letters, digits and punctuation
 * (！→!, ？→?, Ａ→A), so the lexicon and the n-grams need only one form; lower case does the same for Latin
 * words. Links and @mentions carry no emotion of the writer, but a mention's user name often contains
 * words that would look like one, so mentions go; a link becomes the word "http", which the lexicon reads
 * as a sign of a neutral, informational post.
 */
const LINK = /https?:\/\/[\w./?=&%#~+-]*/g;
const MENTION = /@[^\s:,.!?@/，。、：]{1,30}/g;

export function normaliseEmotionText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(LINK, ' http ').replace(MENTION, ' ');
}

/**
 * ContentCheck over a local word list (`prompt/blocked-words.json`): works off the platform and when
 * WeChat cannot be reached, and catches the plainest cases at no cost. It is a complement to WeChat's
 * check, not a substitute: a list catches words, not meaning.
 */
import * as z from 'zod/mini';
import { promptFileError, readPromptJson } from '../prompt/read-prompt-file.js';
import { normaliseText } from '../text/normalise-text.js';
import type { ContentCheck, ContentCheckResult, ContentVerdict } from './content-check.js';

export const BLOCKED_WORDS_FILE = 'blocked-words.json';

export const blockedWordListSchema = z.object({
  _comment: z.optional(z.string()),
  version: z.literal(1),
  groups: z.array(
    z.object({
      verdict: z.enum(['risky', 'review']),
      label: z.number().check(z.int()),
      note: z.optional(z.string()),
      words: z.array(z.string().check(z.minLength(1))),
    }),
  ),
});

export type BlockedWordList = z.infer<typeof blockedWordListSchema>;

interface CompiledWord {
  verdict: Exclude<ContentVerdict, 'pass'>;
  label: number;
  matches(text: NormalisedText): boolean;
}

interface NormalisedText {
  /** Separators removed: "毒 品" and "毒.品" read as "毒品". */
  joined: string;
  /** Separators as single spaces, so Latin words can be matched as whole words. */
  spaced: string;
}

const SEPARATORS = /[\p{P}\p{S}\p{Z}\p{C}\s]+/gu;
const LATIN_WORD = /^[a-z0-9]+$/;

/** The shared normalisation (normalise-text.ts: invisible characters, full-width, 繁体), then separators. */
export function normaliseForMatching(text: string): NormalisedText {
  const folded = normaliseText(text);
  return { joined: folded.replace(SEPARATORS, ''), spaced: folded.replace(SEPARATORS, ' ') };
}

/**
 * The words are normalised on the first check: on the platform WeChat's check answers and the list is
 * only its fallback, so a cold start does not pay for it (about 4 ms) until it is needed.
 */
export function createWordListContentCheck(list: BlockedWordList): ContentCheck {
  let words: CompiledWord[] | undefined;
  const compiled = (): CompiledWord[] => {
    words ??= list.groups.flatMap((group) =>
      group.words
        .map((word) => normaliseForMatching(word).joined)
        .filter((word) => word !== '')
        .map(
          (word): CompiledWord => ({ verdict: group.verdict, label: group.label, matches: matcher(word) }),
        ),
    );
    return words;
  };
  return {
    name: 'wordlist',
    async check(input): Promise<ContentCheckResult> {
      const text = normaliseForMatching(input.content);
      let review: CompiledWord | undefined;
      for (const word of compiled()) {
        if (!word.matches(text)) continue;
        if (word.verdict === 'risky') return { verdict: 'risky', label: word.label };
        review ??= word;
      }
      return review === undefined ? { verdict: 'pass' } : { verdict: 'review', label: review.label };
    },
  };
}

/**
 * Chinese words match anywhere. A word of Latin letters must not touch another Latin letter, or
 * "sniggering" would match a slur inside it; it is looked for both with separators removed ("n i g…")
 * and kept ("you n…"), since removing them also glues neighbouring words together.
 */
function matcher(word: string): (text: NormalisedText) => boolean {
  if (!LATIN_WORD.test(word)) return (text) => text.joined.includes(word);
  const pattern = new RegExp(`(?<![a-z0-9])${word}(?![a-z0-9])`);
  return (text) => pattern.test(text.joined) || pattern.test(text.spaced);
}

/** Reads and checks the list; a broken file is a configuration error, named, as for the prompt files. */
export function loadWordListContentCheck(promptDir: string): ContentCheck {
  const parsed = blockedWordListSchema.safeParse(readPromptJson(promptDir, BLOCKED_WORDS_FILE));
  if (!parsed.success) {
    throw promptFileError(BLOCKED_WORDS_FILE, 'does not match the word list schema', parsed.error);
  }
  return createWordListContentCheck(parsed.data);
}

import { zeroScores } from './basic-emotions.js';
import { type CompiledLexicon, matchLexiconToken } from './compile-lexicon.js';

export interface LexiconHit {
  text: string;
  negated: boolean;
  /** Intensifier, suffix and repetition factors together. */
  factor: number;
}

export interface LexiconScore {
  scores: number[];
  hits: LexiconHit[];
}

/** A negator reaches a word at most this many characters after it (不太开心, 没那么难过). */
const NEGATION_REACH = 2;
/** An intensifier must be next to its word, or one character away (太开心, 好不开心). */
const INTENSIFIER_REACH = 1;
/** The same word again adds this share of its weight: 哈哈哈哈哈哈 is one laugh, not three. */
const REPEAT_SHARE = 0.3;
const BREAK = /[\p{P}\s]/u;

/** The lexicon's score per basic emotion for a normalised text, with the words that made it. */
export function scoreLexicon(text: string, lexicon: CompiledLexicon): LexiconScore {
  const scores = zeroScores();
  const hits: LexiconHit[] = [];
  const timesSeen = new Map<string, number>();
  let negatorEnd = Number.NEGATIVE_INFINITY;
  let intensifier = { end: Number.NEGATIVE_INFINITY, factor: 1 };
  let position = 0;
  while (position < text.length) {
    const match = matchLexiconToken(text, position, lexicon);
    const token = match?.token;
    if (match === undefined || token === undefined) {
      position = match?.end ?? position + 1;
      continue;
    }
    let end = match.end;
    if (token.kind === 'negator') negatorEnd = end;
    else if (token.kind === 'intensifier') intensifier = { end, factor: token.factor };
    else if (token.kind === 'word') {
      const suffix = suffixAfter(text, end, lexicon);
      if (suffix !== undefined) end = suffix.end;
      const repeats = timesSeen.get(match.text) ?? 0;
      timesSeen.set(match.text, repeats + 1);
      const factor =
        (reaches(text, intensifier.end, position, INTENSIFIER_REACH) ? intensifier.factor : 1) *
        (suffix?.factor ?? 1) *
        (repeats === 0 ? 1 : REPEAT_SHARE);
      const negated = reaches(text, negatorEnd, position, NEGATION_REACH);
      token.weights.forEach((weight, label) => {
        if (weight === 0) return;
        // A negated word's intensifier is not an intensifier: 不太开心 is milder than 不开心, not stronger.
        if (!negated) scores[label] = (scores[label] ?? 0) + weight * factor;
        else
          lexicon.negated[label]?.forEach((share, target) => {
            scores[target] = (scores[target] ?? 0) + weight * share * Math.min(factor, 1);
          });
      });
      if (token.weights.some((weight) => weight !== 0)) hits.push({ text: match.text, negated, factor });
      negatorEnd = Number.NEGATIVE_INFINITY;
      intensifier = { end: Number.NEGATIVE_INFINITY, factor: 1 };
    }
    position = end;
  }
  return { scores, hits };
}

/** A suffix intensifier right after the word, or after one 得/到 (开心死了, 累得要命, 开心到爆). */
function suffixAfter(text: string, end: number, lexicon: CompiledLexicon) {
  const start = text[end] === '得' || text[end] === '到' ? end + 1 : end;
  const match = matchLexiconToken(text, start, lexicon);
  return match?.token?.kind === 'suffix' ? { end: match.end, factor: match.token.factor } : undefined;
}

/** Whether a modifier ending at `from` reaches a word starting at `to`, with no punctuation between. */
function reaches(text: string, from: number, to: number, reach: number): boolean {
  return to - from >= 0 && to - from <= reach && !BREAK.test(text.slice(from, to));
}

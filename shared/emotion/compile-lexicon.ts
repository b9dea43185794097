import { basicEmotions } from './basic-emotions.js';
import type { LexiconSpec } from './emotion-model-file.js';

export type LexiconToken =
  | { kind: 'word'; weights: number[] }
  | { kind: 'negator' }
  | { kind: 'intensifier'; factor: number }
  | { kind: 'suffix'; factor: number };

export interface CompiledLexicon {
  tokens: Map<string, LexiconToken>;
  /** Entry lengths (UTF-16 units) per first character, longest first: the longest match is tried first. */
  lengthsByFirstUnit: Map<string, number[]>;
  /** negated[label][target]: the share of a negated `label` word that goes to `target`. */
  negated: number[][];
}

/** Latin letters and digits are read as whole words, so "emo" does not fire inside "demo". */
const LATIN_RUN = /[a-z0-9_]+/y;
/** A Weibo emoticon code as the lexicon lists it: [泪], [doge], [笑cry]. */
const EMOTICON_CODE = /^\[[^[\]]+\]$/;

/** `emoticonScale` multiplies the weights of emoticon codes (see ClassifierSettings). */
export function compileLexicon(spec: LexiconSpec, emoticonScale = 1): CompiledLexicon {
  const tokens = new Map<string, LexiconToken>();
  for (const [text, labelWeights] of Object.entries(spec.words)) {
    const scale = EMOTICON_CODE.test(text) ? emoticonScale : 1;
    tokens.set(text, {
      kind: 'word',
      weights: basicEmotions.map((label) => (labelWeights[label] ?? 0) * scale),
    });
  }
  for (const text of spec.negators) tokens.set(text, { kind: 'negator' });
  for (const [text, factor] of Object.entries(spec.intensifiers))
    tokens.set(text, { kind: 'intensifier', factor });
  for (const [text, factor] of Object.entries(spec.suffixIntensifiers))
    tokens.set(text, { kind: 'suffix', factor });
  const lengthsByFirstUnit = new Map<string, number[]>();
  for (const text of tokens.keys()) {
    const lengths = lengthsByFirstUnit.get(text.charAt(0)) ?? [];
    if (!lengths.includes(text.length)) lengths.push(text.length);
    lengthsByFirstUnit.set(
      text.charAt(0),
      lengths.sort((left, right) => right - left),
    );
  }
  const negated = basicEmotions.map((label) =>
    basicEmotions.map((target) => spec.negated[label]?.[target] ?? 0),
  );
  return { tokens, lengthsByFirstUnit, negated };
}

export interface TokenMatch {
  text: string;
  /** Undefined for a Latin word the lexicon does not know: the whole word is skipped. */
  token: LexiconToken | undefined;
  end: number;
}

/** The longest lexicon entry at `position`, if any. */
export function matchLexiconToken(
  text: string,
  position: number,
  lexicon: CompiledLexicon,
): TokenMatch | undefined {
  const latin = isLatin(text.charCodeAt(position)) ? readLatinRun(text, position) : undefined;
  if (latin !== undefined) {
    const end = position + latin.length;
    for (const candidate of [latin, ...collapsedRepeats(latin)]) {
      const token = lexicon.tokens.get(candidate);
      if (token?.kind === 'word') return { text: candidate, token, end };
    }
    return { text: latin, token: undefined, end };
  }
  for (const length of lexicon.lengthsByFirstUnit.get(text.charAt(position)) ?? []) {
    const candidate = text.slice(position, position + length);
    const token = lexicon.tokens.get(candidate);
    if (token !== undefined) return { text: candidate, token, end: position + length };
  }
  return undefined;
}

function isLatin(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 95;
}

function readLatinRun(text: string, position: number): string | undefined {
  LATIN_RUN.lastIndex = position;
  return LATIN_RUN.exec(text)?.[0];
}

/** "55555" and "hahahaha" are read as the listed "555" and "hahaha". */
function collapsedRepeats(run: string): string[] {
  for (const unitLength of [1, 2]) {
    const unit = run.slice(0, unitLength);
    if (run.length > unitLength * 2 && unit.repeat(Math.ceil(run.length / unitLength)).startsWith(run)) {
      return [unit.repeat(3), unit.repeat(2)];
    }
  }
  return [];
}

import { type BasicEmotion, isBasicEmotion } from '../../shared/emotion/basic-emotions.js';
import type { LexiconSpec } from '../../shared/emotion/emotion-model-file.js';
import { normaliseEmotionText } from '../../shared/emotion/normalise-emotion-text.js';

/** The team lexicon, in prompt/ beside the weights built from it; only the weights ship. */
export const EMOTION_LEXICON_FILE = 'emotion-lexicon.txt';

/**
 * Reads the team lexicon (prompt/emotion-lexicon.txt; its header explains the format) into
 * the lexicon part of the weights file. Mistakes stop the build with the line number: a typo in a weight
 * would otherwise silently change what ships.
 */
export function parseEmotionLexicon(source: string): LexiconSpec {
  const spec: LexiconSpec = {
    words: {},
    negators: [],
    negated: {},
    intensifiers: {},
    suffixIntensifiers: {},
  };
  const sectionOf = new Map<string, string>();
  let section = '';
  for (const [index, rawLine] of source.split('\n').entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fail = (problem: string) => new Error(`emotion lexicon line ${index + 1} (${line}): ${problem}`);
    const header = /^\[([a-z-]+)\]$/.exec(line)?.[1];
    if (header !== undefined) {
      section = header;
      continue;
    }
    const fields = line.split(/\s+/);
    if (section === 'negated') {
      const [from, to, share] = fields;
      if (from === undefined || to === undefined || !isBasicEmotion(from) || !isBasicEmotion(to)) {
        throw fail('expected "label target share"');
      }
      spec.negated[from] = { ...spec.negated[from], [to]: parseWeight(share, fail) };
      continue;
    }
    const text = normaliseEmotionText(fields[0] ?? '');
    if (fields.length > 2 || text === '') throw fail('expected "text" or "text weight"');
    const earlier = sectionOf.get(text);
    if (earlier === section) throw fail('listed twice in this section');
    // Only the label sections may share a text (惊喜 is happy and surprise); a modifier is one thing.
    if (earlier !== undefined && !(isBasicEmotion(section) && isBasicEmotion(earlier))) {
      throw fail(`already listed in [${earlier}]`);
    }
    sectionOf.set(text, section);
    if (isBasicEmotion(section)) {
      spec.words[text] = { ...spec.words[text], [section as BasicEmotion]: parseWeight(fields[1], fail) };
    } else if (section === 'ignore') spec.words[text] = {};
    else if (section === 'negators') spec.negators.push(text);
    else if (section === 'intensifiers') spec.intensifiers[text] = parseWeight(fields[1], fail);
    else if (section === 'suffix-intensifiers') spec.suffixIntensifiers[text] = parseWeight(fields[1], fail);
    else throw fail(`unknown section [${section}]`);
  }
  return spec;
}

function parseWeight(field: string | undefined, fail: (problem: string) => Error): number {
  if (field === undefined) return 1;
  const weight = Number(field);
  if (!Number.isFinite(weight) || weight < 0) throw fail(`bad weight "${field}"`);
  return weight;
}

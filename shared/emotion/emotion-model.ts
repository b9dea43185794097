import { characterNgrams } from '../text/character-ngrams.js';
import { type BasicEmotionResult, basicEmotions, NEUTRAL_INDEX, zeroScores } from './basic-emotions.js';
import { type CompiledLexicon, compileLexicon } from './compile-lexicon.js';
import type { ClassifierSettings, EmotionModelFile } from './emotion-model-file.js';
import { normaliseEmotionText } from './normalise-emotion-text.js';
import { type LexiconHit, scoreLexicon } from './score-lexicon.js';

/** The weights file made ready to use: maps instead of objects, so a message costs lookups only. */
export interface EmotionModel {
  settings: ClassifierSettings;
  bias: number[];
  lexicon: CompiledLexicon;
  /** N-gram weights as stored, in units of `ngramWeightUnit`. */
  ngrams: Map<string, number[]>;
  ngramWeightUnit: number;
}

/**
 * What a text offers before any setting is applied. Kept apart from the settings so the build can try
 * many settings on the held-out dialogues without reading every text again.
 */
export interface EmotionEvidence {
  lexicon: number[];
  lexiconHits: LexiconHit[];
  /** The sum of the n-gram weight vectors found, and how many were found. */
  ngrams: number[];
  ngramsFound: number;
  exclamations: number;
}

export function compileEmotionModel(file: EmotionModelFile): EmotionModel {
  return {
    settings: file.settings,
    bias: file.bias,
    lexicon: compileLexicon(file.lexicon, file.settings.emoticonScale),
    ngrams: new Map(Object.entries(file.ngrams)),
    ngramWeightUnit: file.ngramWeightUnit,
  };
}

export function gatherEmotionEvidence(text: string, model: EmotionModel): EmotionEvidence {
  const normalised = normaliseEmotionText(text);
  const { scores, hits } = scoreLexicon(normalised, model.lexicon);
  const ngrams = zeroScores();
  let ngramsFound = 0;
  for (const gram of characterNgrams(
    normalised,
    model.settings.ngramMinLength,
    model.settings.ngramMaxLength,
  )) {
    const weights = model.ngrams.get(gram);
    if (weights === undefined) continue;
    ngramsFound += 1;
    for (let label = 0; label < weights.length; label += 1) {
      ngrams[label] = (ngrams[label] ?? 0) + (weights[label] ?? 0);
    }
  }
  const exclamations = normalised.split('!').length - 1;
  const inUnits = ngrams.map((sum) => sum * model.ngramWeightUnit);
  return { lexicon: scores, lexiconHits: hits, ngrams: inUnits, ngramsFound, exclamations };
}

/** The lexicon's part of the logits; the n-grams are trained on top of exactly this. */
export function lexiconLogits(evidence: EmotionEvidence, settings: ClassifierSettings): number[] {
  // "!" strengthens whatever emotion the words show; it is no emotion of its own.
  const emphasis = 1 + settings.exclamationBoost * Math.min(evidence.exclamations, 3);
  return evidence.lexicon.map(
    (score, index) =>
      settings.lexiconScale * score * (index === NEUTRAL_INDEX ? settings.neutralWordScale : emphasis),
  );
}

/** Evidence → probabilities: a log-linear mix of lexicon and n-grams, softmax with a fitted temperature. */
export function combineEmotionEvidence(
  evidence: EmotionEvidence,
  settings: ClassifierSettings,
  bias: readonly number[],
): BasicEmotionResult {
  const lexicon = lexiconLogits(evidence, settings);
  const lexiconEmotion = lexicon.reduce(
    (sum, value, index) => (index === NEUTRAL_INDEX ? sum : sum + value),
    0,
  );
  const ngramShare =
    (settings.ngramScale * Math.min(1, settings.ngramReferenceCount / Math.max(1, evidence.ngramsFound))) /
    (1 + settings.lexiconGate * lexiconEmotion);
  const logits = basicEmotions.map((_label, index) => {
    const value = (bias[index] ?? 0) + (lexicon[index] ?? 0) + ngramShare * (evidence.ngrams[index] ?? 0);
    return value / settings.temperature;
  });
  const highest = Math.max(...logits);
  const exponentials = logits.map((logit) => Math.exp(logit - highest));
  const total = exponentials.reduce((sum, value) => sum + value, 0);
  let best = 0;
  const scores = {} as Record<(typeof basicEmotions)[number], number>;
  basicEmotions.forEach((label, index) => {
    scores[label] = (exponentials[index] ?? 0) / total;
    if ((logits[index] ?? 0) > (logits[best] ?? 0)) best = index;
  });
  return { label: basicEmotions[best] ?? 'neutral', scores };
}

export function classifyWithEmotionModel(text: string, model: EmotionModel): BasicEmotionResult {
  return combineEmotionEvidence(gatherEmotionEvidence(text, model), model.settings, model.bias);
}

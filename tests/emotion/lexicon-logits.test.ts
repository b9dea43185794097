/**
 * How the lexicon's scores become logits: lexiconScale weighs the lexicon against the CPED n-grams,
 * neutralWordScale weighs neutral words below emotion words, and "!" strengthens emotions only.
 */
import { describe, expect, it } from 'vitest';
import { BUILD_OPTIONS } from '../../scripts/emotion-model/build-emotion-model.js';
import { type EmotionEvidence, lexiconLogits } from '../../shared/emotion/emotion-model.js';

function evidence(lexicon: number[], exclamations = 0): EmotionEvidence {
  return { lexicon, lexiconHits: [], ngrams: lexicon.map(() => 0), ngramsFound: 0, exclamations };
}

describe('lexiconLogits', () => {
  const settings = {
    ...BUILD_OPTIONS.settings,
    lexiconScale: 2,
    neutralWordScale: 0.5,
    exclamationBoost: 0.1,
  };

  it('multiplies every score by lexiconScale, and the neutral one also by neutralWordScale', () => {
    expect(lexiconLogits(evidence([1, 0, 0, 0, 0, 0, 1]), settings)).toEqual([2, 0, 0, 0, 0, 0, 1]);
  });

  it('lets up to three "!" strengthen the emotions but not neutral', () => {
    const logits = lexiconLogits(evidence([1, 0, 0, 0, 0, 0, 1], 5), settings);
    expect(logits[0]).toBeCloseTo(2.6, 10);
    expect(logits[6]).toBe(1);
  });
});

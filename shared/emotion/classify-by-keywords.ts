import type { EmotionLabelSet } from './emotion-label-set.js';

/**
 * A deliberately simple fallback: the label whose keywords (from the label file) occur most often in the
 * text, or the set's fallback label. It only decides when the model gave no usable tag.
 */
export function classifyByKeywords(text: string, labelSet: EmotionLabelSet): string {
  let best = labelSet.fallback;
  let bestHits = 0;
  for (const entry of labelSet.labels) {
    let hits = 0;
    for (const keyword of entry.keywords) {
      if (text.includes(keyword)) hits += 1;
    }
    if (hits > bestHits) {
      best = entry.label;
      bestHits = hits;
    }
  }
  return best;
}

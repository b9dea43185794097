import { type BasicEmotion, basicEmotions } from '../../shared/emotion/basic-emotions.js';

export interface LabelScore {
  precision: number;
  recall: number;
  f1: number;
  /** Gold lines with this label. */
  support: number;
}

export interface EmotionScorecard {
  count: number;
  accuracy: number;
  /** The mean F1 over the labels that occur in the gold labels (a label never gold is left out). */
  macroF1: number;
  goldLabels: BasicEmotion[];
  perLabel: Record<BasicEmotion, LabelScore>;
  /** confusion[gold][predicted] = number of lines. */
  confusion: Record<BasicEmotion, Record<BasicEmotion, number>>;
}

export interface GoldAndPrediction {
  gold: BasicEmotion;
  predicted: BasicEmotion;
}

export function scorePredictions(pairs: readonly GoldAndPrediction[]): EmotionScorecard {
  const confusion = Object.fromEntries(
    basicEmotions.map((gold) => [gold, Object.fromEntries(basicEmotions.map((predicted) => [predicted, 0]))]),
  ) as Record<BasicEmotion, Record<BasicEmotion, number>>;
  for (const { gold, predicted } of pairs) confusion[gold][predicted] += 1;
  const perLabel = {} as Record<BasicEmotion, LabelScore>;
  for (const label of basicEmotions) {
    const truePositives = confusion[label][label];
    const support = basicEmotions.reduce((sum, predicted) => sum + confusion[label][predicted], 0);
    const predictedCount = basicEmotions.reduce((sum, gold) => sum + confusion[gold][label], 0);
    const precision = predictedCount === 0 ? 0 : truePositives / predictedCount;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perLabel[label] = { precision, recall, f1, support };
  }
  const goldLabels = basicEmotions.filter((label) => perLabel[label].support > 0);
  const correct = basicEmotions.reduce((sum, label) => sum + confusion[label][label], 0);
  return {
    count: pairs.length,
    accuracy: pairs.length === 0 ? 0 : correct / pairs.length,
    macroF1:
      goldLabels.length === 0
        ? 0
        : goldLabels.reduce((sum, label) => sum + perLabel[label].f1, 0) / goldLabels.length,
    goldLabels,
    perLabel,
    confusion,
  };
}

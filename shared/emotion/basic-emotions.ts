/**
 * The seven basic emotions the local classifier tells apart. The order is the order of every score vector
 * in the weights file, so it must not change without rebuilding the weights.
 */
export const basicEmotions = ['happy', 'sad', 'angry', 'fear', 'surprise', 'disgust', 'neutral'] as const;
export type BasicEmotion = (typeof basicEmotions)[number];

export const NEUTRAL_INDEX = basicEmotions.indexOf('neutral');

export function isBasicEmotion(value: string): value is BasicEmotion {
  return (basicEmotions as readonly string[]).includes(value);
}

/** A vector of seven zeros, one per basic emotion in `basicEmotions` order. */
export function zeroScores(): number[] {
  return basicEmotions.map(() => 0);
}

export interface BasicEmotionResult {
  label: BasicEmotion;
  /** One probability per basic emotion; they sum to 1. */
  scores: Record<BasicEmotion, number>;
}

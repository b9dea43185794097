/**
 * The local emotion classifier: one of seven basic emotions for a Chinese text, with a probability per
 * emotion. Pure TypeScript and offline; the weights (team lexicon + character n-grams learnt from CPED)
 * are read from a JSON file on the first call only, so a function that never classifies pays nothing.
 * How the weights are made and how well they do: docs/emotion.md.
 */
import type { BasicEmotionResult } from './basic-emotions.js';
import { classifyWithEmotionModel, type EmotionModel } from './emotion-model.js';
import { loadEmotionModel, resolveEmotionModelPath } from './load-emotion-model.js';

export { type BasicEmotion, type BasicEmotionResult, basicEmotions } from './basic-emotions.js';
export { classifyWithEmotionModel, type EmotionModel } from './emotion-model.js';
export { loadEmotionModel, resolveEmotionModelPath } from './load-emotion-model.js';

let shippedModel: EmotionModel | undefined;

/**
 * Loads the shipped weights on first call (sync fs read, cached), then classifies. Throws an Error naming
 * the file when the weights cannot be read; a failed load is tried again on the next call.
 */
export function classifyBasicEmotion(text: string): BasicEmotionResult {
  shippedModel ??= loadEmotionModel(resolveEmotionModelPath());
  return classifyWithEmotionModel(text, shippedModel);
}

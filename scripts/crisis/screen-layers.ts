/**
 * Each layer of the crisis screen on one message, for the evaluation: a plain list of 15 keywords (the
 * baseline a screen must beat), the rules alone, the classifier alone, the combined screen, and the
 * combined screen on the same message with a zero-width space between every character.
 */
import type { CrisisModel } from '../../shared/safety/crisis-model.js';
import {
  type CrisisLevel,
  type CrisisRules,
  prepareCrisisText,
  screenCrisisRisk,
} from '../../shared/safety/screen-crisis-risk.js';

export const LAYERS = ['keywords', 'rules', 'classifier', 'combined', 'combined_obfuscated'] as const;
export type Layer = (typeof LAYERS)[number];
export type LayerLevels = Record<Layer, CrisisLevel>;

/** The 15 words anyone would list first; matched on the raw text, as a plain list would be. */
export const BASELINE_KEYWORDS = [
  '自杀',
  '想死',
  '不想活',
  '轻生',
  '割腕',
  '自残',
  '跳楼',
  '安眠药',
  '结束生命',
  '活着没意思',
  '去死',
  '遗书',
  '解脱',
  '了结',
  '死了算了',
] as const;

export function obfuscate(text: string): string {
  return [...text].join('\u200b');
}

export function screenLayers(text: string, rules: CrisisRules, classifier: CrisisModel): LayerLevels {
  const alone = (message: string, withClassifier: boolean) =>
    screenCrisisRisk(
      { message, recentUserMessages: [] },
      { rules, classifier: withClassifier ? classifier : null },
    ).level;
  return {
    keywords: BASELINE_KEYWORDS.some((word) => text.includes(word)) ? 'medium' : 'none',
    rules: alone(text, false),
    classifier: classifier.level(classifier.probability(prepareCrisisText(text, rules))),
    combined: alone(text, true),
    combined_obfuscated: alone(obfuscate(text), true),
  };
}

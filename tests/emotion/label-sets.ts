/**
 * Label sets for the emotion and offline-model tests: the real `prompt/emotion-labels.json`, read and
 * validated the way the service does, and a small custom set that shares no label with it, to prove the
 * code reads labels and the basic-emotion mapping from the set rather than from anything hard-coded.
 */
import { readFileSync } from 'node:fs';
import { type EmotionLabelSet, emotionLabelSetSchema } from '../../shared/emotion/emotion-label-set.js';

const DEFAULT_LABELS_FILE = new URL('../../prompt/emotion-labels.json', import.meta.url);

export function loadDefaultLabelSet(): EmotionLabelSet {
  return emotionLabelSetSchema.parse(JSON.parse(readFileSync(DEFAULT_LABELS_FILE, 'utf8')));
}

/** Parsed through the same schema, so it is a set an operator could really put in the label file. */
export const CALM_EXCITED_LABEL_SET: EmotionLabelSet = emotionLabelSetSchema.parse({
  version: 1,
  fallback: 'calm',
  // Two expressions only: every positive or surprising feeling is excited, everything else calm.
  from_basic: {
    happy: 'excited',
    surprise: 'excited',
    sad: 'calm',
    angry: 'calm',
    fear: 'calm',
    disgust: 'calm',
    neutral: 'calm',
  },
  labels: [
    {
      label: 'calm',
      name_zh: '平静',
      description_zh: '安静地陪伴。',
      sprite: 'calm_sprite',
    },
    {
      label: 'excited',
      name_zh: '兴奋',
      description_zh: '为好消息激动。',
      sprite: 'excited_sprite',
    },
  ],
});

import type { BasicEmotion } from '../../shared/emotion/basic-emotions.js';

/**
 * The datasets' own labels → basic emotions (docs/emotion.md). CPED's relaxed, positive-other
 * and negative-other have no basic counterpart and map to nothing, so they are left out of training and
 * scoring; so is any label not listed here.
 */
const DATASET_LABELS: Record<string, BasicEmotion> = {
  // CPED
  happy: 'happy',
  grateful: 'happy',
  anger: 'angry',
  sadness: 'sad',
  depress: 'sad',
  fear: 'fear',
  worried: 'fear',
  astonished: 'surprise',
  disgust: 'disgust',
  neutral: 'neutral',
  // CLUE emotion
  like: 'happy',
  happiness: 'happy',
  surprise: 'surprise',
  // SMP2020-EWECT
  angry: 'angry',
  sad: 'sad',
};

export function mapDatasetLabel(label: string): BasicEmotion | undefined {
  return Object.hasOwn(DATASET_LABELS, label) ? DATASET_LABELS[label] : undefined;
}

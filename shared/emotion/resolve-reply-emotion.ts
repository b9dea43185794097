import type { BasicEmotion, BasicEmotionResult } from './basic-emotions.js';
import { classifyBasicEmotion } from './classify-basic-emotion.js';
import type { EmotionLabelSet } from './emotion-label-set.js';
import { parseEmotionTag } from './parse-emotion-tag.js';

export interface ReplyWithEmotion {
  content: string;
  emotion: string;
  emotionSource: 'model' | 'classifier';
  /** Set when the classifier overrode the model's label: what the model said. */
  modelEmotion?: string;
}

/** The classifier must be at least this sure of the opposite feeling to override the model… */
export const OVERRIDE_MIN_SCORE = 0.6;
/** …and give the model's own feeling at most this much. */
export const OVERRIDE_MAX_MODEL_SCORE = 0.15;

const valence: Record<BasicEmotion, 'positive' | 'negative' | undefined> = {
  happy: 'positive',
  sad: 'negative',
  angry: 'negative',
  fear: 'negative',
  disgust: 'negative',
  surprise: undefined,
  neutral: undefined,
};

/**
 * The monster's expression for a reply. The model's tag wins when it names a known label, unless it
 * contradicts the text badly: the classifier overrides it only when (1) the tag maps from basic emotions
 * of one valence (happy vs sad/angry/fear/disgust) and the classifier's top emotion has the other,
 * (2) that top emotion scores at least OVERRIDE_MIN_SCORE, and (3) the tag's own basic emotions score at
 * most OVERRIDE_MAX_MODEL_SCORE together. Expressions no basic emotion maps to (caring, thinking) fit any
 * text and are never overridden. With no usable tag, the classifier decides, through `from_basic`.
 */
export function resolveReplyEmotion(
  reply: string,
  labelSet: EmotionLabelSet,
  classify: (text: string) => BasicEmotionResult = classifyBasicEmotion,
): ReplyWithEmotion {
  const known = labelSet.labels.map((entry) => entry.label);
  const { content, tag } = parseEmotionTag(reply, known);
  if (tag === undefined || !known.includes(tag)) {
    const classified = classify(content);
    return { content, emotion: expressionFor(classified.label, labelSet), emotionSource: 'classifier' };
  }
  const tagBasics = (Object.keys(labelSet.from_basic) as BasicEmotion[]).filter(
    (basic) => labelSet.from_basic[basic] === tag,
  );
  const tagValences = new Set(tagBasics.map((basic) => valence[basic]));
  const tagValence = tagValences.size === 1 ? [...tagValences][0] : undefined;
  if (tagValence === undefined) return { content, emotion: tag, emotionSource: 'model' };

  const classified = classify(content);
  const top = classified.label;
  const topValence = valence[top];
  const tagScore = tagBasics.reduce((sum, basic) => sum + classified.scores[basic], 0);
  const contradicts =
    topValence !== undefined &&
    topValence !== tagValence &&
    classified.scores[top] >= OVERRIDE_MIN_SCORE &&
    tagScore <= OVERRIDE_MAX_MODEL_SCORE;
  if (!contradicts) return { content, emotion: tag, emotionSource: 'model' };
  return { content, emotion: expressionFor(top, labelSet), emotionSource: 'classifier', modelEmotion: tag };
}

export function expressionFor(basic: BasicEmotion, labelSet: EmotionLabelSet): string {
  return labelSet.from_basic[basic] ?? labelSet.fallback;
}

import { classifyByKeywords } from './classify-by-keywords.js';
import type { EmotionLabelSet } from './emotion-label-set.js';
import { parseEmotionTag } from './parse-emotion-tag.js';

export interface ReplyWithEmotion {
  content: string;
  emotion: string;
  emotionSource: 'model' | 'classifier';
}

/** The model's tag when it names a known label; otherwise the local classifier reads the reply text. */
export function resolveReplyEmotion(reply: string, labelSet: EmotionLabelSet): ReplyWithEmotion {
  const known = labelSet.labels.map((entry) => entry.label);
  const { content, tag } = parseEmotionTag(reply, known);
  if (tag !== undefined && known.includes(tag)) return { content, emotion: tag, emotionSource: 'model' };
  return { content, emotion: classifyByKeywords(content, labelSet), emotionSource: 'classifier' };
}

import { classifyBasicEmotion } from '../emotion/classify-basic-emotion.js';
import type { EmotionLabelSet } from '../emotion/emotion-label-set.js';
import { expressionFor } from '../emotion/resolve-reply-emotion.js';
import type { ChatModel } from './chat-model.js';

/** Marks every demo reply so nobody mistakes it for the real companion. */
export const OFFLINE_DEMO_PREFIX = '（离线演示回复，未连接 AI 模型）';

const repliesByLabel: Record<string, string> = {
  happy: '听起来是件让人开心的事，真为你高兴！愿意多说说吗？',
  sad: '听起来你现在挺难受的。我在这里，你可以慢慢说。',
  angry: '遇到这样的事，换谁都会生气。发生了什么？',
  surprised: '哇，这确实出乎意料。你当时是什么感觉？',
  worried: '我能感觉到你有些担心。是什么让你放不下呢？',
  caring: '辛苦了，先照顾好自己。我一直在这里陪你。',
  thinking: '这个问题值得好好想一想，我们可以一起理一理。',
};

/**
 * The responder `npm start` uses without an API key, so the mini-program team can work offline. It speaks
 * the same `[label] text` protocol as a real model, so the whole reply path runs; the platform refuses it.
 */
export function createOfflineDemoModel(labelSet: EmotionLabelSet): ChatModel {
  return {
    provider: 'offline',
    async complete(attempt) {
      const lastUserMessage = [...attempt.messages].reverse().find((message) => message.role === 'user');
      // The local classifier reads the user's words; a plain message gets the caring face.
      const basic = classifyBasicEmotion(lastUserMessage?.content ?? '').label;
      const label = basic === 'neutral' ? 'caring' : expressionFor(basic, labelSet);
      const known = labelSet.labels.some((entry) => entry.label === label) ? label : labelSet.fallback;
      const text = repliesByLabel[known] ?? '我在听，你愿意多说一些吗？';
      return { text: `[${known}] ${OFFLINE_DEMO_PREFIX}${text}`, usage: undefined };
    },
  };
}

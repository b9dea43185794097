import type { BasicEmotion } from '../../shared/emotion/basic-emotions.js';

/**
 * The "plain keyword list" baseline the evaluation reports next to the classifier: a few obvious words
 * per label (team-written), no weights, no negation. The label with the most words present wins (ties go
 * to the label listed first); no word at all means neutral.
 */
const BASELINE_KEYWORDS: Record<Exclude<BasicEmotion, 'neutral'>, readonly string[]> = {
  happy: ['开心', '高兴', '快乐', '哈哈', '幸福', '喜欢', '太好了', '棒'],
  sad: ['难过', '伤心', '哭', '悲伤', '痛苦', '失望', '遗憾', '心疼'],
  angry: ['生气', '愤怒', '气死', '可恶', '讨厌', '烦', '过分', '混蛋'],
  fear: ['害怕', '担心', '恐惧', '怕', '可怕', '紧张', '吓', '焦虑'],
  surprise: ['惊讶', '吃惊', '震惊', '没想到', '竟然', '居然', '天哪', '意外'],
  disgust: ['恶心', '厌恶', '反感', '嫌弃', '想吐', '鄙视'],
};

export function classifyByKeywordBaseline(text: string): BasicEmotion {
  let best: BasicEmotion = 'neutral';
  let bestHits = 0;
  for (const [label, keywords] of Object.entries(BASELINE_KEYWORDS) as [BasicEmotion, readonly string[]][]) {
    const hits = keywords.filter((keyword) => text.includes(keyword)).length;
    if (hits > bestHits) {
      best = label;
      bestHits = hits;
    }
  }
  return best;
}

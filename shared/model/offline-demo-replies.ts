import { type BasicEmotion, classifyBasicEmotion } from '../emotion/classify-basic-emotion.js';
import type { EmotionLabelSet } from '../emotion/emotion-label-set.js';
import { expressionFor } from '../emotion/resolve-reply-emotion.js';

/** What the demo makes of a message: the kind of answer it deserves. */
export type DemoMood = 'distress' | 'grief' | 'joy' | 'worry' | 'anger' | 'surprise' | 'advice' | 'greeting';

/**
 * Phrases that settle the mood before the classifier is asked, checked in this order: the classifier is
 * trained on dialogue lines and reads "你好，我今天感觉不太好" as angry, which a person in distress must
 * never be answered with. Distress comes first so "好" in "不太好" or "好累" never reads as good news.
 */
const cues: ReadonlyArray<readonly [DemoMood, RegExp]> = [
  [
    'distress',
    /不太好|不好受|不舒服|难受|好累|太累|很累|累了|疲惫|崩溃|撑不住|想哭|压力|失眠|睡不着|孤独|孤单|没意思|没意义|烦|郁闷|低落|心累|不想活|想死|活着|emo/i,
  ],
  ['grief', /去世|离开了我|走了|分手|失去|失恋|考砸|落榜|没考上|失业|被裁|难过|伤心|哭/],
  ['worry', /担心|害怕|紧张|焦虑|不安|怕|慌/],
  ['anger', /生气|气死|太过分|不公平|欺负|骗了我|讨厌|凭什么|恶心/],
  [
    'joy',
    /开心|高兴|快乐|太好了|好消息|升职|加薪|考过|考上|录取|通过了|成功|offer|结婚|订婚|恭喜|激动|兴奋|期待|迫不及待|哈哈|棒/i,
  ],
  ['surprise', /居然|竟然|没想到|震惊|不敢相信|意外/],
  ['advice', /怎么办|怎么做|该不该|要不要|如何|建议|选择|纠结|[?？]$/],
  ['greeting', /^(你好|您好|嗨|哈喽|在吗|早上好|晚上好|晚安|hi|hello|hey)[呀啊！!。.~～\s]*$/i],
];

/** How sure the classifier must be before the demo follows it rather than answering gently. */
const CLASSIFIER_MIN_SCORE = 0.5;

const moodOfBasic: Partial<Record<BasicEmotion, DemoMood>> = {
  happy: 'joy',
  sad: 'grief',
  angry: 'anger',
  disgust: 'anger',
  fear: 'worry',
  surprise: 'surprise',
};

export function readDemoMood(message: string): DemoMood {
  const text = message.trim();
  for (const [mood, pattern] of cues) if (pattern.test(text)) return mood;
  const classified = classifyBasicEmotion(text);
  const mood = moodOfBasic[classified.label];
  const score = classified.scores[classified.label] ?? 0;
  // A plain message, or one the classifier is unsure of, is answered with care, never with a guess.
  return mood !== undefined && score >= CLASSIFIER_MIN_SCORE ? mood : 'distress';
}

/** The expression for a mood, always one of the set's own labels (an operator may ship other labels). */
export function demoLabelFor(mood: DemoMood, labelSet: EmotionLabelSet): string {
  const preferred: Record<DemoMood, string> = {
    distress: 'caring',
    grief: expressionFor('sad', labelSet),
    joy: expressionFor('happy', labelSet),
    worry: expressionFor('fear', labelSet),
    anger: expressionFor('angry', labelSet),
    surprise: expressionFor('surprise', labelSet),
    advice: 'thinking',
    greeting: expressionFor('neutral', labelSet),
  };
  const fallbacks: Partial<Record<DemoMood, string>> = {
    distress: expressionFor('sad', labelSet),
    advice: labelSet.fallback,
  };
  for (const label of [preferred[mood], fallbacks[mood]]) {
    if (label !== undefined && labelSet.labels.some((entry) => entry.label === label)) return label;
  }
  return labelSet.fallback;
}

/** Two or three sentences per mood, a few of each so a conversation does not repeat itself at once. */
const repliesByMood: Record<DemoMood, readonly string[]> = {
  distress: [
    '听起来你今天过得挺辛苦的。先别急着让自己马上好起来，我在这里陪着你。愿意说说发生了什么吗？',
    '谢谢你愿意告诉我你现在的感受。不舒服的时候，能说出来已经很不容易了。我们可以慢慢聊，你想从哪里说起？',
    '这些感受听起来压在你心上很久了。你不用一个人扛着，我会认真听。此刻最让你难受的是什么？',
  ],
  grief: [
    '听到这个，我也替你难过。失去在意的东西，心里空落落的很正常。想哭的话就哭一会儿，我陪着你。',
    '这真的很让人伤心。你不需要马上振作起来，先允许自己难过一阵子。愿意和我说说它对你意味着什么吗？',
  ],
  joy: [
    '太好了，真为你高兴！这份开心是你自己努力换来的。快和我说说，当时是什么心情？',
    '哇，这真是个好消息！听得出你很开心，我也跟着高兴起来了。想怎么庆祝一下呢？',
  ],
  worry: [
    '我能感觉到你有些担心。紧张说明这件事对你很重要。我们一起看看，最让你放不下的是哪一部分？',
    '有这样的担心很正常，换作是我也会不安。先深呼吸一下。你愿意说说最坏的情况你是怎么想的吗？',
  ],
  anger: [
    '遇到这样的事，换谁都会生气。你的感受是有道理的。发生了什么，愿意和我说说吗？',
    '被这样对待，确实让人委屈又气愤。先把火气说出来也没关系，我听着。后来怎么样了？',
  ],
  surprise: [
    '哇，这确实出乎意料！一下子听到这样的事，心里肯定有很多想法。你当时是什么感觉？',
    '真没想到会这样，我也有点惊讶。这件事对你来说是好是坏呢？',
  ],
  advice: [
    '这个问题值得好好想一想。我们可以先把几种选择列出来，看看各自让你担心的是什么。你心里更偏向哪一个？',
    '要做决定确实不容易。先不急着找标准答案，说说你最在意的是什么，我们一起理一理。',
  ],
  greeting: [
    '你好呀，我是知己，很高兴见到你。今天过得怎么样？想聊点什么都可以。',
    '嗨，我在呢。有什么想说的，随时告诉我，我会认真听。',
  ],
};

/** The same message gets the same answer (tests and resends see one reply), different ones vary. */
export function demoReplyFor(mood: DemoMood, message: string): string {
  const choices = repliesByMood[mood];
  let hash = 0;
  for (const character of message) hash = (hash * 31 + (character.codePointAt(0) ?? 0)) >>> 0;
  return choices[hash % choices.length] ?? choices[0] ?? '';
}

import type { EmotionLabelSet } from '../emotion/emotion-label-set.js';
import type { Timers } from '../runtime/timers.js';
import type { ChatModel, ModelAttempt } from './chat-model.js';
import { modelError } from './model-errors.js';
import { demoLabelFor, demoReplyFor, readDemoMood } from './offline-demo-replies.js';

/** Marks every demo reply so nobody mistakes it for the real companion. */
export const OFFLINE_DEMO_PREFIX = '（离线演示回复，未连接 AI 模型）';

/** The pause between two streamed words: about the pace a real model writes Chinese at. */
export const DEMO_WORD_PAUSE_MS = 40;

// Made on first use: a Chinese word segmenter loads ICU's dictionary, about 5 ms of every cold start
// that never runs the demo (the platform's included).
let words: Intl.Segmenter | undefined;

/**
 * The responder `npm start` uses without an API key, so the mini-program team and the playground work
 * offline. It answers in two or three sentences that fit the latest message (offline-demo-replies.ts),
 * speaks the same `[label] text` protocol as a real model so the whole reply path runs, and, when the
 * attempt streams (`onText`), writes word by word on the injected timers, the tag split across pieces as
 * a real model's tokens split it. The platform refuses it.
 */
export function createOfflineDemoModel(labelSet: EmotionLabelSet, timers: Timers): ChatModel {
  return {
    provider: 'offline',
    async complete(attempt) {
      const lastUserMessage = [...attempt.messages].reverse().find((message) => message.role === 'user');
      const message = lastUserMessage?.content ?? '';
      const mood = readDemoMood(message);
      const label = demoLabelFor(mood, labelSet);
      const text = `[${label}] ${OFFLINE_DEMO_PREFIX}${demoReplyFor(mood, message)}`;
      if (attempt.onText !== undefined) await streamWords(text, label, attempt, attempt.onText, timers);
      else if (attempt.signal.aborted) throw modelError('LLM_TIMEOUT');
      return { text, usage: undefined };
    },
  };
}

/** The reply in the pieces a model would send: the tag in two, then the text word by word. */
export function demoPieces(text: string, label: string): string[] {
  const tag = `[${label}] `;
  const head = [tag.slice(0, 3), tag.slice(3)];
  words ??= new Intl.Segmenter('zh', { granularity: 'word' });
  const body = [...words.segment(text.slice(tag.length))].map((piece) => piece.segment);
  return [...head, ...body].filter((piece) => piece.length > 0);
}

async function streamWords(
  text: string,
  label: string,
  attempt: ModelAttempt,
  onText: (text: string) => void,
  timers: Timers,
): Promise<void> {
  for (const [index, piece] of demoPieces(text, label).entries()) {
    if (index > 0) await pause(timers, DEMO_WORD_PAUSE_MS, attempt.signal);
    if (attempt.signal.aborted) throw modelError('LLM_TIMEOUT');
    onText(piece);
  }
}

/** A sleep that an abort ends at once, so a turn out of time is not held up by the demo's pacing. */
function pause(timers: Timers, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const cancel = timers.schedule(ms, done);
    signal.addEventListener('abort', done, { once: true });
  });
}

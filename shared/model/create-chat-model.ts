import type { ModelConfig } from '../config/load-config.js';
import type { EmotionLabelSet } from '../emotion/emotion-label-set.js';
import type { Timers } from '../runtime/timers.js';
import type { ChatModel } from './chat-model.js';
import { createOfflineDemoModel } from './offline-demo-model.js';
import { createOpenAiChatModel } from './openai-chat-model.js';

/** The one place that picks the model provider; loadConfig already refused the demo on the platform. */
export function createChatModel(config: ModelConfig, labelSet: EmotionLabelSet, timers: Timers): ChatModel {
  return config.provider === 'offline'
    ? createOfflineDemoModel(labelSet, timers)
    : createOpenAiChatModel(config, timers);
}

/** The second provider, when configured: the same settings with its own address, key and model. */
export function createFallbackChatModel(config: ModelConfig, timers: Timers): ChatModel | undefined {
  if (config.provider === 'offline' || config.fallback === undefined) return undefined;
  return createOpenAiChatModel({ ...config, ...config.fallback, fallback: undefined }, timers);
}

import type { ModelReply } from './chat-model.js';
import { modelError } from './model-errors.js';

/** Token counts as an OpenAI-compatible provider reports them. */
export interface ProviderUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export function checkFinish(finishReason: string | null | undefined): void {
  if (finishReason === 'content_filter') {
    throw modelError('LLM_CONTENT_FILTERED', { retryable: false });
  }
}

export function acceptText(text: string, usage: ProviderUsage | null | undefined): ModelReply {
  if (text.trim() === '') throw modelError('LLM_EMPTY_REPLY', { detail: 'empty content' });
  return {
    text,
    usage: usage
      ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens }
      : undefined,
  };
}

import type { Timers } from '../runtime/timers.js';
import { acceptText, checkFinish, type ProviderUsage } from './accept-model-reply.js';
import type { ModelAttempt, ModelReply } from './chat-model.js';
import { modelError } from './model-errors.js';

/** The parts of a streamed chat-completion chunk read here (the SDK's ChatCompletionChunk has them). */
export interface ReplyChunk {
  choices: ReadonlyArray<{
    delta?: { content?: string | null | undefined; reasoning_content?: unknown } | undefined;
    finish_reason?: string | null | undefined;
  }>;
  usage?: ProviderUsage | null | undefined;
}

/**
 * Reads a streamed reply to its end, passing each piece to `attempt.onText`, and gives up when no content
 * arrives for `idleTimeoutMs` on the injected timers. `open` starts the request with the signal that
 * aborts it.
 */
export async function readReplyStream(
  attempt: ModelAttempt,
  idle: { timeoutMs: number; timers: Timers },
  open: (signal: AbortSignal) => Promise<AsyncIterable<ReplyChunk>>,
): Promise<ModelReply> {
  const idleAbort = new AbortController();
  const signal = AbortSignal.any([attempt.signal, idleAbort.signal]);
  let cancelIdleTimer = idle.timers.schedule(idle.timeoutMs, () => idleAbort.abort());
  let headersReceived = false;
  try {
    const stream = await open(signal);
    headersReceived = true;
    let text = '';
    let finishReason: string | null | undefined;
    let usage: ProviderUsage | undefined;
    for await (const chunk of stream) {
      // Reset only on content, not on any byte: keep-alive comments would otherwise hold a dead stream open.
      const delta = chunk.choices[0]?.delta;
      if (delta?.content) {
        text += delta.content;
        attempt.onText?.(delta.content);
      }
      // Reasoning models (deepseek-reasoner, QwQ) stream their thinking in `reasoning_content` before
      // any content: that is progress too.
      if (delta?.content || delta?.reasoning_content) {
        cancelIdleTimer();
        cancelIdleTimer = idle.timers.schedule(idle.timeoutMs, () => idleAbort.abort());
      }
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      if (chunk.usage) usage = chunk.usage;
    }
    if (idleAbort.signal.aborted) throw modelError('LLM_TIMEOUT', { detail: 'stream idle' });
    if (attempt.signal.aborted) throw modelError('LLM_TIMEOUT');
    // The SDK ends the loop quietly when the connection is cut before `[DONE]`: no finish means cut.
    if (finishReason === undefined || finishReason === null) {
      throw modelError('LLM_STREAM_INTERRUPTED', { detail: 'stream ended without finish_reason' });
    }
    checkFinish(finishReason);
    return acceptText(text, usage);
  } catch (error) {
    if (idleAbort.signal.aborted && !attempt.signal.aborted)
      throw modelError('LLM_TIMEOUT', { detail: 'stream idle' });
    // A socket torn down mid-stream surfaces as undici's bare "terminated" TypeError, not an API error.
    if (headersReceived && !attempt.signal.aborted && error instanceof TypeError) {
      throw modelError('LLM_STREAM_INTERRUPTED', { cause: error });
    }
    throw error;
  } finally {
    cancelIdleTimer();
  }
}

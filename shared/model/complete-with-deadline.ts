import { AppError } from '../errors/app-error.js';
import type { ModelMessage } from '../prompt/build-model-messages.js';
import type { Timers } from '../runtime/timers.js';
import { withinDeadline } from '../runtime/within-deadline.js';
import type { ChatModel, ModelReply } from './chat-model.js';
import { modelError } from './model-errors.js';

export interface DeadlineOptions {
  /** Epoch ms by which the model must have answered or the turn gives up with LLM_TIMEOUT. */
  deadlineAt: number;
  maxAttempts: number;
  /** Longest wait before a retry (an upstream Retry-After above it is not waited for). */
  maxRetryWaitMs: number;
  /** The clock, the retry waits and the attempt's timer. */
  timers: Timers;
  /** A second provider: after a retryable failure the next attempt goes there, without waiting. */
  fallback?: ChatModel | undefined;
  /** The raw text of each attempt as it arrives (the attempt's number comes with it: a retry starts over). */
  onText?: ((text: string, attempt: number) => void) | undefined;
  /** Asked before another attempt; false ends the call with the last failure (a stream that showed words). */
  mayRetry?: (() => boolean) | undefined;
}

export interface CompletedReply extends ModelReply {
  /** True when the fallback provider gave the reply. */
  fromFallback: boolean;
}

/** Below this, another attempt cannot produce a reply in time and would only spend tokens. */
const MIN_USEFUL_ATTEMPT_MS = 1_500;

/**
 * Calls the model, retrying retryable failures while time remains, and returns or rejects by the deadline
 * whatever the provider does: the openai SDK bounds neither a body that stalls after the headers nor a
 * Retry-After sleep, so the deadline here is a timer that aborts the attempt and settles the promise.
 */
export async function completeWithDeadline(
  model: ChatModel,
  messages: readonly ModelMessage[],
  options: DeadlineOptions,
): Promise<CompletedReply> {
  const { timers } = options;
  let lastError: AppError | undefined;
  let useFallback = false;
  // A failover is one extra attempt on top of maxAttempts: it spends the other provider's capacity.
  const attempts = options.maxAttempts + (options.fallback === undefined ? 0 : 1);
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    // Whole milliseconds: the openai SDK refuses a fractional timeout, and monotonic time has fractions.
    const remaining = Math.floor(options.deadlineAt - timers.now());
    if (remaining < (attempt === 1 ? 1 : MIN_USEFUL_ATTEMPT_MS)) break;
    const current = useFallback && options.fallback !== undefined ? options.fallback : model;
    try {
      const { onText } = options;
      const forward = onText === undefined ? undefined : (text: string) => onText(text, attempt);
      return {
        ...(await attemptWithin(timers, current, messages, remaining, forward)),
        fromFallback: current !== model,
      };
    } catch (error) {
      lastError = error instanceof AppError ? error : modelError('LLM_UPSTREAM_ERROR', { cause: error });
      if (options.mayRetry?.() === false) throw lastError;
      if (options.fallback !== undefined && !useFallback && lastError.retryable) {
        // The other provider is not slowed by this one's Retry-After or outage: go there at once.
        useFallback = true;
        continue;
      }
      if (!isWorthRetrying(lastError) || attempt === attempts) throw lastError;
      const wait = lastError.retryAfterMs ?? 200 * 2 ** (attempt - 1);
      const remainingAfterWait = options.deadlineAt - timers.now() - wait;
      if (wait > options.maxRetryWaitMs || remainingAfterWait < MIN_USEFUL_ATTEMPT_MS) throw lastError;
      await timers.sleep(wait);
    }
  }
  throw lastError ?? modelError('LLM_TIMEOUT');
}

async function attemptWithin(
  timers: Timers,
  model: ChatModel,
  messages: readonly ModelMessage[],
  timeoutMs: number,
  onText: ((text: string) => void) | undefined,
) {
  const controller = new AbortController();
  try {
    return await withinDeadline(
      timers,
      model.complete({ messages, signal: controller.signal, timeoutMs, onText }),
      timeoutMs,
      () => modelError('LLM_TIMEOUT'),
      () => controller.abort(),
    );
  } finally {
    controller.abort();
  }
}

function isWorthRetrying(error: AppError): boolean {
  // A timeout has used the turn's time already; anything else retryable may go better on a second try.
  return error.retryable && error.code !== 'LLM_TIMEOUT';
}

/**
 * The only module that imports `openai`. Loaded lazily so a cold start that never calls the model (a bad
 * request, the history function) does not parse the SDK.
 */
import type { ModelConfig } from '../config/load-config.js';
import { AppError } from '../errors/app-error.js';
import type { ChatModel, ModelAttempt, ModelReply } from './chat-model.js';
import { modelError, retryAfterFromHeaders } from './model-errors.js';

type OpenAiModule = typeof import('openai');
type OpenAiClient = InstanceType<OpenAiModule['default']>;

export function createOpenAiChatModel(config: ModelConfig): ChatModel {
  let client: Promise<{ sdk: OpenAiModule; client: OpenAiClient }> | undefined;
  function connect() {
    client ??= import('openai').then((sdk) => ({
      sdk,
      // Retries and timeouts are ours (complete-with-deadline.ts): v6 sleeps through any Retry-After
      // and ignores abort while sleeping, and its timeout stops counting once headers arrive.
      // logLevel off: on a malformed event the SDK would otherwise log the payload, i.e. the reply text.
      client: new sdk.default({
        baseURL: config.baseUrl,
        apiKey: config.apiKey,
        maxRetries: 0,
        logLevel: 'off',
      }),
    }));
    return client;
  }

  return {
    provider: 'openai',
    prepare() {
      // After the requests already made have gone out (a later turn of the event loop), so loading never
      // delays them; Node loads its fetch (undici) on first touch, which the SDK does only when it builds
      // a request.
      setImmediate(() => {
        connect()
          .then(() => Reflect.get(globalThis, 'FormData'))
          .catch(() => undefined);
      });
    },
    async complete(attempt) {
      const { sdk, client: openai } = await connect();
      try {
        // A caller that shows the words as they come (the stream endpoint) needs the provider to stream,
        // whatever LLM_STREAM says.
        return config.stream || attempt.onText !== undefined
          ? await completeStreaming(openai, config, attempt)
          : await completeOnce(openai, config, attempt);
      } catch (error) {
        throw toModelError(sdk, error, attempt.signal);
      }
    },
  };
}

function requestBody(config: ModelConfig, attempt: ModelAttempt) {
  return {
    model: attempt.model ?? config.model,
    messages: attempt.messages.map((message) => ({ role: message.role, content: message.content })),
    max_tokens: attempt.maxTokens ?? config.maxTokens,
    temperature: attempt.temperature ?? config.temperature,
  };
}

async function completeOnce(
  openai: OpenAiClient,
  config: ModelConfig,
  attempt: ModelAttempt,
): Promise<ModelReply> {
  const completion = await openai.chat.completions.create(
    { ...requestBody(config, attempt), stream: false },
    { signal: attempt.signal, timeout: attempt.timeoutMs, maxRetries: 0 },
  );
  if (typeof completion !== 'object' || completion === null || !Array.isArray(completion.choices)) {
    throw modelError('LLM_BAD_RESPONSE', { detail: 'the body is not a chat completion' });
  }
  const choice = completion.choices[0];
  checkFinish(choice?.finish_reason);
  return acceptText(choice?.message?.content ?? '', completion.usage);
}

async function completeStreaming(
  openai: OpenAiClient,
  config: ModelConfig,
  attempt: ModelAttempt,
): Promise<ModelReply> {
  const idle = new AbortController();
  const signal = AbortSignal.any([attempt.signal, idle.signal]);
  let idleTimer = setTimeout(() => idle.abort(), config.idleTimeoutMs);
  let headersReceived = false;
  try {
    const stream = await openai.chat.completions.create(
      { ...requestBody(config, attempt), stream: true, stream_options: { include_usage: true } },
      { signal, timeout: attempt.timeoutMs, maxRetries: 0 },
    );
    headersReceived = true;
    let text = '';
    let finishReason: string | null | undefined;
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      // Reset only on content, not on any byte: keep-alive comments would otherwise hold a dead stream open.
      const delta = chunk.choices[0]?.delta;
      if (delta?.content) {
        text += delta.content;
        attempt.onText?.(delta.content);
      }
      // Reasoning models (deepseek-reasoner, QwQ) stream their thinking in `reasoning_content` before
      // any content: that is progress too.
      if (delta?.content || (delta as { reasoning_content?: unknown } | undefined)?.reasoning_content) {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => idle.abort(), config.idleTimeoutMs);
      }
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      if (chunk.usage) usage = chunk.usage;
    }
    if (idle.signal.aborted) throw modelError('LLM_TIMEOUT', { detail: 'stream idle' });
    if (attempt.signal.aborted) throw modelError('LLM_TIMEOUT');
    // The SDK ends the loop quietly when the connection is cut before `[DONE]`: no finish means cut.
    if (finishReason === undefined || finishReason === null) {
      throw modelError('LLM_STREAM_INTERRUPTED', { detail: 'stream ended without finish_reason' });
    }
    checkFinish(finishReason);
    return acceptText(text, usage);
  } catch (error) {
    if (idle.signal.aborted && !attempt.signal.aborted)
      throw modelError('LLM_TIMEOUT', { detail: 'stream idle' });
    // A socket torn down mid-stream surfaces as undici's bare "terminated" TypeError, not an API error.
    if (headersReceived && !attempt.signal.aborted && error instanceof TypeError) {
      throw modelError('LLM_STREAM_INTERRUPTED', { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(idleTimer);
  }
}

function checkFinish(finishReason: string | null | undefined): void {
  if (finishReason === 'content_filter') {
    throw modelError('LLM_CONTENT_FILTERED', { retryable: false });
  }
}

function acceptText(
  text: string,
  usage: { prompt_tokens: number; completion_tokens: number } | null | undefined,
) {
  if (text.trim() === '') throw modelError('LLM_EMPTY_REPLY', { detail: 'empty content' });
  return {
    text,
    usage: usage
      ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens }
      : undefined,
  };
}

/** Maps the SDK's error classes to our codes. The provider's message stays in `cause`, never in the reply. */
function toModelError(sdk: OpenAiModule, error: unknown, signal: AbortSignal): AppError {
  if (error instanceof AppError) return error;
  if (
    signal.aborted ||
    error instanceof sdk.APIUserAbortError ||
    error instanceof sdk.APIConnectionTimeoutError
  ) {
    return modelError('LLM_TIMEOUT', { cause: error });
  }
  if (error instanceof sdk.APIConnectionError) return modelError('LLM_UNAVAILABLE', { cause: error });
  if (error instanceof sdk.RateLimitError) {
    return modelError('LLM_RATE_LIMITED', {
      cause: error,
      retryAfterMs: retryAfterFromHeaders(error.headers),
    });
  }
  if (error instanceof sdk.APIError && typeof error.status === 'number') {
    // 4xx other than 408/409/429 means our request or our key is wrong: repeating it cannot help.
    const retryable = error.status >= 500 || error.status === 408 || error.status === 409;
    return modelError('LLM_UPSTREAM_ERROR', { cause: error, retryable });
  }
  if (
    error instanceof SyntaxError ||
    (error instanceof sdk.OpenAIError && !(error instanceof sdk.APIError))
  ) {
    return modelError('LLM_BAD_RESPONSE', { cause: error });
  }
  return modelError('LLM_UPSTREAM_ERROR', { cause: error });
}

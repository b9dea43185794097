/**
 * The only module that imports `openai`. Loaded lazily so a cold start that never calls the model (a bad
 * request, the history function) does not parse the SDK.
 */
import type { ModelConfig } from '../config/load-config.js';
import { AppError } from '../errors/app-error.js';
import type { ChatModel, ModelAttempt, ModelReply } from './chat-model.js';

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
    async complete(attempt) {
      const { sdk, client: openai } = await connect();
      try {
        return config.stream
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
    model: config.model,
    messages: attempt.messages.map((message) => ({ role: message.role, content: message.content })),
    max_tokens: config.maxTokens,
    temperature: config.temperature,
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
    throw badResponse('the body is not a chat completion');
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
  try {
    const stream = await openai.chat.completions.create(
      { ...requestBody(config, attempt), stream: true, stream_options: { include_usage: true } },
      { signal, timeout: attempt.timeoutMs, maxRetries: 0 },
    );
    let text = '';
    let finishReason: string | null | undefined;
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      // Reset only on content, not on any byte: keep-alive comments would otherwise hold a dead stream open.
      const delta = chunk.choices[0]?.delta;
      if (delta?.content) text += delta.content;
      // Reasoning models (deepseek-reasoner, QwQ) stream their thinking in `reasoning_content` before
      // any content: that is progress too.
      if (delta?.content || (delta as { reasoning_content?: unknown } | undefined)?.reasoning_content) {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => idle.abort(), config.idleTimeoutMs);
      }
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      if (chunk.usage) usage = chunk.usage;
    }
    if (idle.signal.aborted) throw idleError();
    if (attempt.signal.aborted) throw timeoutError();
    // The SDK ends the loop quietly when the connection is cut before `[DONE]`: no finish means cut.
    if (finishReason === undefined || finishReason === null) {
      throw new AppError(
        'LLM_UPSTREAM_ERROR',
        '回复中途断开了，你的话已经保存，请再试一次。(Model stream was cut)',
      );
    }
    checkFinish(finishReason);
    return acceptText(text, usage);
  } catch (error) {
    if (idle.signal.aborted && !attempt.signal.aborted) throw idleError();
    throw error;
  } finally {
    clearTimeout(idleTimer);
  }
}

function checkFinish(finishReason: string | null | undefined): void {
  if (finishReason === 'content_filter') {
    throw new AppError(
      'LLM_CONTENT_FILTERED',
      '这个话题小怪兽暂时没法回应，换个方式说说看？你的话已经保存。(Reply withheld by the provider filter)',
      { retryable: false },
    );
  }
}

function acceptText(
  text: string,
  usage: { prompt_tokens: number; completion_tokens: number } | null | undefined,
) {
  if (text.trim() === '') throw badResponse('empty content');
  return {
    text,
    usage: usage
      ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens }
      : undefined,
  };
}

function badResponse(detail: string): AppError {
  return new AppError(
    'LLM_BAD_RESPONSE',
    '回复内容出了点问题，你的话已经保存，请再试一次。(Bad model response)',
    {
      cause: new Error(detail),
    },
  );
}

function idleError(): AppError {
  return new AppError(
    'LLM_TIMEOUT',
    '小怪兽想得有点久，这次没能及时回复。你的话已经保存，请稍后再试。(Model stream stalled)',
  );
}

function timeoutError(): AppError {
  return new AppError(
    'LLM_TIMEOUT',
    '小怪兽想得有点久，这次没能及时回复。你的话已经保存，请稍后再试。(Model timed out)',
  );
}

/** Maps the SDK's error classes to our codes. The provider's message stays in `cause`, never in the reply. */
function toModelError(sdk: OpenAiModule, error: unknown, signal: AbortSignal): AppError {
  if (error instanceof AppError) return error;
  if (
    signal.aborted ||
    error instanceof sdk.APIUserAbortError ||
    error instanceof sdk.APIConnectionTimeoutError
  ) {
    return timeoutError();
  }
  if (error instanceof sdk.APIConnectionError) {
    return new AppError(
      'LLM_UNAVAILABLE',
      '暂时连不上 AI 服务，你的话已经保存，请稍后再试。(Model unreachable)',
      {
        cause: error,
      },
    );
  }
  if (error instanceof sdk.RateLimitError) {
    return new AppError(
      'LLM_RATE_LIMITED',
      '现在找小怪兽聊天的人有点多，请稍等一会儿再试。你的话已经保存。(Model rate limited)',
      {
        cause: error,
        retryAfterMs: retryAfterMs(error.headers),
      },
    );
  }
  if (error instanceof sdk.APIError && typeof error.status === 'number') {
    return new AppError(
      'LLM_UPSTREAM_ERROR',
      '回复时出了点问题，你的话已经保存，请稍后再试。(Model upstream error)',
      {
        cause: error,
        // 4xx other than 408/409/429 means our request or our key is wrong: repeating it cannot help.
        retryable: error.status >= 500 || error.status === 408 || error.status === 409,
      },
    );
  }
  if (
    error instanceof SyntaxError ||
    (error instanceof sdk.OpenAIError && !(error instanceof sdk.APIError))
  ) {
    return badResponse('unparseable body');
  }
  return new AppError(
    'LLM_UPSTREAM_ERROR',
    '回复时出了点问题，你的话已经保存，请稍后再试。(Model call failed)',
    {
      cause: error,
    },
  );
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const retryAfterMsHeader = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(retryAfterMsHeader) && retryAfterMsHeader > 0) return retryAfterMsHeader;
  const value = headers?.get('retry-after');
  if (value === null || value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * The only module that imports `openai`. Loaded lazily so a cold start that never calls the model (a bad
 * request, the history function) does not parse the SDK.
 */
import type { ModelConfig } from '../config/load-config.js';
import type { Timers } from '../runtime/timers.js';
import { acceptText, checkFinish } from './accept-model-reply.js';
import type { ChatModel, ModelAttempt, ModelReply } from './chat-model.js';
import { toModelError } from './map-openai-error.js';
import { modelError } from './model-errors.js';
import { nodeHttpFetch } from './node-http-fetch.js';
import { readReplyStream } from './read-reply-stream.js';

export type OpenAiModule = typeof import('openai');
type OpenAiClient = InstanceType<OpenAiModule['default']>;

/**
 * `loadSdk` is for the tests, which also run the SDK as the build bundles it (its own `Headers`,
 * shared/model/fetch-globals.ts).
 */
export function createOpenAiChatModel(
  config: ModelConfig,
  timers: Timers,
  loadSdk: () => Promise<OpenAiModule> = () => import('openai'),
): ChatModel {
  let client: Promise<{ sdk: OpenAiModule; client: OpenAiClient }> | undefined;
  function connect() {
    client ??= loadSdk().then((sdk) => ({
      sdk,
      // Retries and timeouts are ours (complete-with-deadline.ts): v6 sleeps through any Retry-After
      // and ignores abort while sleeping, and its timeout stops counting once headers arrive.
      // logLevel off: on a malformed event the SDK would otherwise log the payload, i.e. the reply text.
      client: new sdk.default({
        baseURL: config.baseUrl,
        apiKey: config.apiKey,
        maxRetries: 0,
        logLevel: 'off',
        // What it returns is the part of `Response` the SDK reads (node-http-fetch.ts), not a whole one.
        fetch: nodeHttpFetch as unknown as typeof fetch,
      }),
    }));
    return client;
  }

  return {
    provider: 'openai',
    prepare() {
      // After the requests already made have gone out (a later turn of the event loop), so loading never
      // delays them.
      setImmediate(() => {
        connect().catch(() => undefined);
      });
    },
    async complete(attempt) {
      const { sdk, client: openai } = await connect();
      try {
        // A caller that shows the words as they come (the stream endpoint) needs the provider to stream,
        // whatever LLM_STREAM says.
        return config.stream || attempt.onText !== undefined
          ? await completeStreaming(openai, config, attempt, timers)
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

function completeStreaming(
  openai: OpenAiClient,
  config: ModelConfig,
  attempt: ModelAttempt,
  timers: Timers,
): Promise<ModelReply> {
  return readReplyStream(attempt, { timeoutMs: config.idleTimeoutMs, timers }, (signal) =>
    openai.chat.completions.create(
      { ...requestBody(config, attempt), stream: true, stream_options: { include_usage: true } },
      { signal, timeout: attempt.timeoutMs, maxRetries: 0 },
    ),
  );
}

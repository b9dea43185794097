import * as z from 'zod/mini';
import {
  apiKey,
  booleanFlag,
  chat,
  defaulted,
  httpUrl,
  integer,
  local,
  optional,
} from './declare-setting.js';

/** The model: any OpenAI-compatible provider, and a second one tried when the first fails. */
export const modelSettings = {
  OPENAI_BASE_URL: defaulted(httpUrl, 'https://api.openai.com/v1', {
    about: 'any OpenAI-compatible endpoint (DeepSeek, Qwen, Hunyuan, Kimi, GLM, Ollama, vLLM)',
    readBy: chat,
  }),
  OPENAI_API_KEY: optional(apiKey, '—', {
    about: 'the provider key; required on the platform',
    readBy: chat,
  }),
  LLM_MODEL: optional(z.string(), '—', { about: 'model name; required with a key', readBy: chat }),
  LLM_PROVIDER: optional(
    z.enum(['openai', 'offline']),
    '`openai` with a key or on the platform, else `offline`',
    {
      about: '`offline` = the labelled demo responder; refused on the platform',
      readBy: local,
    },
  ),
  LLM_STREAM: defaulted(booleanFlag, true, {
    about: 'stream from the provider (idle watchdog, detects cut streams); `false` for plain JSON',
    readBy: chat,
  }),
  LLM_MAX_TOKENS: defaulted(integer(1, 32_000), 800, { about: 'reply length limit, 1–32000', readBy: chat }),
  LLM_TEMPERATURE: defaulted(z.coerce.number().check(z.gte(0), z.lte(2)), 0.7, {
    about: 'sampling temperature, 0–2',
    readBy: chat,
  }),
  LLM_IDLE_TIMEOUT_MS: defaulted(integer(1), 20_000, {
    about: 'longest gap between streamed content deltas',
    readBy: chat,
  }),
  LLM_MAX_ATTEMPTS: defaulted(integer(1, 5), 2, {
    about: 'attempts per turn (1–5) for retryable failures, within the deadline',
    readBy: chat,
  }),
  LLM_MAX_RETRY_WAIT_MS: defaulted(integer(0), 3_000, {
    about: 'longest wait before a retry; a longer `Retry-After` is not waited for',
    readBy: chat,
  }),
  // A second OpenAI-compatible provider, tried when the first fails in a retryable way.
  LLM_FALLBACK_BASE_URL: optional(httpUrl, '—', {
    about: 'the fallback provider’s endpoint; all three `LLM_FALLBACK_*` or none',
    readBy: chat,
  }),
  LLM_FALLBACK_API_KEY: optional(apiKey, '—', { about: 'the fallback provider’s key', readBy: chat }),
  LLM_FALLBACK_MODEL: optional(z.string(), '—', { about: 'the fallback provider’s model', readBy: chat }),
};

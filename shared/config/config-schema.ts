import path from 'node:path';
import * as z from 'zod/mini';
import { environmentSchema } from './environment-schema.js';

type Values = z.output<typeof environmentSchema>;

/** The keys the platform, provider and storage defaults depend on, raw or parsed. */
type ModeKeys = Partial<
  Record<'TENCENTCLOUD_RUNENV' | 'LLM_PROVIDER' | 'OPENAI_API_KEY' | 'STORAGE', string | undefined>
>;

/**
 * Where the service runs and what it talks to. Read from the raw strings too, so the checks across keys
 * can run when another value is bad.
 */
export function deriveMode(values: ModeKeys) {
  const onPlatform = values.TENCENTCLOUD_RUNENV === 'SCF';
  const provider: 'openai' | 'offline' =
    values.LLM_PROVIDER === 'offline' || values.LLM_PROVIDER === 'openai'
      ? values.LLM_PROVIDER
      : values.OPENAI_API_KEY !== undefined || onPlatform
        ? 'openai'
        : 'offline';
  const storage: 'cloudbase' | 'local' =
    values.STORAGE === 'local' || values.STORAGE === 'cloudbase'
      ? values.STORAGE
      : onPlatform
        ? 'cloudbase'
        : 'local';
  return { onPlatform, provider, storage };
}

function fallbackProvider(values: Values) {
  const { LLM_FALLBACK_BASE_URL: baseUrl, LLM_FALLBACK_API_KEY: apiKey, LLM_FALLBACK_MODEL: model } = values;
  return baseUrl === undefined || apiKey === undefined || model === undefined
    ? undefined
    : { baseUrl, apiKey, model };
}

/** The settings grouped as the code reads them. Its return type is the `Config` type. */
function toConfig(values: Values) {
  const { onPlatform, provider, storage } = deriveMode(values);
  return {
    onPlatform,
    storage,
    dataDir: path.resolve(values.DATA_DIR),
    promptDir: values.PROMPT_DIR === undefined ? undefined : path.resolve(values.PROMPT_DIR),
    port: values.PORT,
    host: values.HOST,
    model: {
      provider,
      baseUrl: values.OPENAI_BASE_URL,
      apiKey: values.OPENAI_API_KEY ?? '',
      model: values.LLM_MODEL ?? 'offline-demo',
      stream: values.LLM_STREAM,
      maxTokens: values.LLM_MAX_TOKENS,
      temperature: values.LLM_TEMPERATURE,
      idleTimeoutMs: values.LLM_IDLE_TIMEOUT_MS,
      maxAttempts: values.LLM_MAX_ATTEMPTS,
      maxRetryWaitMs: values.LLM_MAX_RETRY_WAIT_MS,
      /** A second provider with the same settings otherwise; the chat turn fails over to it. */
      fallback: fallbackProvider(values),
    },
    /** The session collection's settings, plus the collection the usage counts live in. */
    cloudbase: {
      envId: values.CLOUDBASE_ENV,
      serviceUrl: values.CLOUDBASE_SERVICE_URL,
      secretId: values.CLOUDBASE_SECRET_ID,
      secretKey: values.CLOUDBASE_SECRET_KEY,
      collection: values.CLOUDBASE_COLLECTION,
      timeoutMs: values.CLOUDBASE_TIMEOUT_MS,
      usageCollection: values.CLOUDBASE_USAGE_COLLECTION,
    },
    /** Per-user limits (docs/usage-limits.md); 0 turns a limit off. */
    usageLimits: {
      messagesPerMinute: values.RATE_LIMIT_PER_MINUTE,
      messagesPerDay: values.DAILY_MESSAGE_QUOTA,
      tokensPerDay: values.DAILY_TOKEN_QUOTA,
    },
    limits: {
      chatDeadlineMs: values.CHAT_DEADLINE_MS,
      storageReserveMs: values.STORAGE_RESERVE_MS,
      crisisJudgeWaitMs: values.CRISIS_JUDGE_WAIT_MS,
      maxMessageChars: values.MAX_MESSAGE_CHARS,
      maxHistoryItems: values.MAX_HISTORY_ITEMS,
      maxHistoryItemChars: values.MAX_HISTORY_ITEM_CHARS,
      maxRequestBytes: values.MAX_REQUEST_BYTES,
      contextMaxMessages: values.CONTEXT_MAX_MESSAGES,
      maxSessionMessages: values.MAX_SESSION_MESSAGES,
    },
    logLevel: values.LOG_LEVEL,
    /** Content security: WeChat's check when `wechat` is on; the local word list when it is off or fails. */
    contentCheck: {
      wechat: values.MSG_SEC_CHECK ?? onPlatform,
      review: values.MSG_SEC_CHECK_REVIEW,
      onFailure: values.MSG_SEC_CHECK_ON_FAILURE,
      timeoutMs: values.MSG_SEC_CHECK_TIMEOUT_MS,
    },
    /** The HTTP path's bearer tokens; undefined secret = the HTTP path stays closed on the platform. */
    auth: { secret: values.AUTH_TOKEN_SECRET, ttlSeconds: values.AUTH_TOKEN_TTL_SECONDS },
    /** Appended to each reply when set, as a visible AI-generated label. */
    aiLabelText: values.AI_LABEL_TEXT,
    /** Days a session is kept after its last update (the history function's timer sweeps older ones). */
    retentionDays: values.RETENTION_DAYS,
  };
}

/** The environment's strings in, the service's configuration out: the one source of `Config`. */
export const configSchema = z.pipe(environmentSchema, z.transform(toConfig));

export type Config = z.output<typeof configSchema>;
export type ModelConfig = Config['model'];
export type CloudbaseConfig = Omit<Config['cloudbase'], 'usageCollection'>;
export type LogLevel = Config['logLevel'];

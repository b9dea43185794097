import path from 'node:path';
import type * as z from 'zod/mini';
import { AppError } from '../errors/app-error.js';
import { environmentSchema } from './environment-schema.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export type LogLevel = z.infer<typeof environmentSchema>['LOG_LEVEL'];

export interface ModelConfig {
  provider: 'openai' | 'offline';
  baseUrl: string;
  apiKey: string;
  model: string;
  stream: boolean;
  maxTokens: number;
  temperature: number;
  idleTimeoutMs: number;
  maxAttempts: number;
  maxRetryWaitMs: number;
  /** A second provider with the same settings otherwise; the chat turn fails over to it. */
  fallback: { baseUrl: string; apiKey: string; model: string } | undefined;
}

export interface CloudbaseConfig {
  envId: string | undefined;
  serviceUrl: string | undefined;
  secretId: string | undefined;
  secretKey: string | undefined;
  collection: string;
  timeoutMs: number;
}

export interface Config {
  onPlatform: boolean;
  storage: 'cloudbase' | 'local';
  dataDir: string;
  promptDir: string | undefined;
  port: number;
  host: string;
  model: ModelConfig;
  /** The session collection's settings, plus the collection the usage counts live in. */
  cloudbase: CloudbaseConfig & { usageCollection: string };
  /** Per-user limits (docs/usage-limits.md); 0 turns a limit off. */
  usageLimits: { messagesPerMinute: number; messagesPerDay: number; tokensPerDay: number };
  limits: {
    chatDeadlineMs: number;
    storageReserveMs: number;
    maxMessageChars: number;
    maxHistoryItems: number;
    maxHistoryItemChars: number;
    maxRequestBytes: number;
    contextMaxMessages: number;
    maxSessionMessages: number;
  };
  logLevel: LogLevel;
  /** Content security: WeChat's check when `wechat` is on; the local word list when it is off or fails. */
  contentCheck: {
    wechat: boolean;
    review: 'allow' | 'block';
    onFailure: 'open' | 'closed';
    timeoutMs: number;
  };
  /** The HTTP path's bearer tokens; undefined secret = the HTTP path stays closed on the platform. */
  auth: { secret: string | undefined; ttlSeconds: number };
  /** Appended to each reply when set, as a visible AI-generated label. */
  aiLabelText: string | undefined;
  /** Days a session is kept after its last update (the history function's timer sweeps older ones). */
  retentionDays: number | undefined;
}

function withoutEmptyValues(environment: Environment): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key of Object.keys(environmentSchema.shape)) {
    const value = environment[key]?.trim();
    if (value !== undefined && value !== '') result[key] = value;
  }
  return result;
}

/**
 * Reads and validates the whole configuration once, at start. A bad configuration names every bad key
 * and why, but never a value: the keys include secrets. A function that never calls the model (history)
 * passes `requireModel: false` so it can be deployed without the model's key.
 */
export function loadConfig(environment: Environment, options: { requireModel?: boolean } = {}): Config {
  const requireModel = options.requireModel ?? true;
  const raw = withoutEmptyValues(environment);
  const parsed = environmentSchema.safeParse(raw);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')} (${describeIssue(issue.code)})`);

  // Checks across keys read the raw strings, so one bad number does not hide a missing key.
  const onPlatform = raw.TENCENTCLOUD_RUNENV === 'SCF';
  const hasKey = raw.OPENAI_API_KEY !== undefined;
  const provider =
    raw.LLM_PROVIDER === 'offline' || raw.LLM_PROVIDER === 'openai'
      ? raw.LLM_PROVIDER
      : hasKey || onPlatform
        ? 'openai'
        : 'offline';
  if (requireModel && onPlatform && provider === 'offline') {
    problems.push('LLM_PROVIDER (the offline demo responder is for local development only)');
  }
  if (requireModel && provider === 'openai' && !hasKey)
    problems.push('OPENAI_API_KEY (required to call the model)');
  const fallbackKeys = ['LLM_FALLBACK_BASE_URL', 'LLM_FALLBACK_API_KEY', 'LLM_FALLBACK_MODEL'] as const;
  const fallbackSet = fallbackKeys.filter((key) => raw[key] !== undefined);
  if (fallbackSet.length > 0 && fallbackSet.length < fallbackKeys.length) {
    problems.push(
      `${fallbackKeys.filter((key) => raw[key] === undefined).join(', ')} (the fallback provider needs all three LLM_FALLBACK_* keys)`,
    );
  }
  if (requireModel && provider === 'openai' && raw.LLM_MODEL === undefined) {
    problems.push('LLM_MODEL (required to call the model, e.g. deepseek-chat)');
  }
  const storage =
    raw.STORAGE === 'local' || raw.STORAGE === 'cloudbase' ? raw.STORAGE : onPlatform ? 'cloudbase' : 'local';
  if (storage === 'cloudbase' && !onPlatform && raw.CLOUDBASE_ENV === undefined) {
    problems.push('CLOUDBASE_ENV (required for STORAGE=cloudbase outside the platform)');
  }
  if (storage === 'cloudbase' && !onPlatform && !hasCloudbaseCredentials(raw, environment)) {
    // Without credentials the SDK fails with an unhandled rejection that ends the process.
    problems.push(
      'CLOUDBASE_SECRET_ID and CLOUDBASE_SECRET_KEY (required for STORAGE=cloudbase outside the platform)',
    );
  }
  if (parsed.success && parsed.data.STORAGE_RESERVE_MS >= parsed.data.CHAT_DEADLINE_MS) {
    problems.push('STORAGE_RESERVE_MS (must be smaller than CHAT_DEADLINE_MS)');
  }
  if (parsed.success && parsed.data.CLOUDBASE_TIMEOUT_MS > parsed.data.STORAGE_RESERVE_MS) {
    problems.push('CLOUDBASE_TIMEOUT_MS (must not exceed STORAGE_RESERVE_MS, or the final write cannot fit)');
  }
  if (parsed.success && parsed.data.CLOUDBASE_USAGE_COLLECTION === parsed.data.CLOUDBASE_COLLECTION) {
    problems.push('CLOUDBASE_USAGE_COLLECTION (must differ from CLOUDBASE_COLLECTION)');
  }
  if (!parsed.success || problems.length > 0) throw configError(problems);
  const values = parsed.data;

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
      fallback:
        values.LLM_FALLBACK_BASE_URL === undefined ||
        values.LLM_FALLBACK_API_KEY === undefined ||
        values.LLM_FALLBACK_MODEL === undefined
          ? undefined
          : {
              baseUrl: values.LLM_FALLBACK_BASE_URL,
              apiKey: values.LLM_FALLBACK_API_KEY,
              model: values.LLM_FALLBACK_MODEL,
            },
    },
    cloudbase: {
      envId: values.CLOUDBASE_ENV,
      serviceUrl: values.CLOUDBASE_SERVICE_URL,
      secretId: values.CLOUDBASE_SECRET_ID,
      secretKey: values.CLOUDBASE_SECRET_KEY,
      collection: values.CLOUDBASE_COLLECTION,
      timeoutMs: values.CLOUDBASE_TIMEOUT_MS,
      usageCollection: values.CLOUDBASE_USAGE_COLLECTION,
    },
    usageLimits: {
      messagesPerMinute: values.RATE_LIMIT_PER_MINUTE,
      messagesPerDay: values.DAILY_MESSAGE_QUOTA,
      tokensPerDay: values.DAILY_TOKEN_QUOTA,
    },
    limits: {
      chatDeadlineMs: values.CHAT_DEADLINE_MS,
      storageReserveMs: values.STORAGE_RESERVE_MS,
      maxMessageChars: values.MAX_MESSAGE_CHARS,
      maxHistoryItems: values.MAX_HISTORY_ITEMS,
      maxHistoryItemChars: values.MAX_HISTORY_ITEM_CHARS,
      maxRequestBytes: values.MAX_REQUEST_BYTES,
      contextMaxMessages: values.CONTEXT_MAX_MESSAGES,
      maxSessionMessages: values.MAX_SESSION_MESSAGES,
    },
    logLevel: values.LOG_LEVEL,
    contentCheck: {
      wechat: values.MSG_SEC_CHECK ?? onPlatform,
      review: values.MSG_SEC_CHECK_REVIEW,
      onFailure: values.MSG_SEC_CHECK_ON_FAILURE,
      timeoutMs: values.MSG_SEC_CHECK_TIMEOUT_MS,
    },
    auth: { secret: values.AUTH_TOKEN_SECRET, ttlSeconds: values.AUTH_TOKEN_TTL_SECONDS },
    aiLabelText: values.AI_LABEL_TEXT,
    retentionDays: values.RETENTION_DAYS,
  };
}

function hasCloudbaseCredentials(raw: Record<string, string>, environment: Environment): boolean {
  const present = (key: string) => (environment[key]?.trim() ?? '') !== '';
  return (
    (raw.CLOUDBASE_SECRET_ID !== undefined && raw.CLOUDBASE_SECRET_KEY !== undefined) ||
    (present('TENCENTCLOUD_SECRETID') && present('TENCENTCLOUD_SECRETKEY')) ||
    present('CLOUDBASE_APIKEY')
  );
}

function describeIssue(code: string): string {
  if (code === 'invalid_value') return 'not one of the allowed values';
  if (code === 'invalid_type') return 'not a number or of the wrong type';
  if (code === 'custom') return 'not a whole number';
  if (code === 'too_small' || code === 'too_big') return 'out of range';
  if (code === 'invalid_format') return 'wrong format';
  return 'invalid';
}

function configError(problems: string[]): AppError {
  return new AppError(
    'CONFIG_INVALID',
    `服务配置有误，请联系管理员。(Invalid configuration: ${problems.join('; ')})`,
  );
}

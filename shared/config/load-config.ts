import path from 'node:path';
import * as z from 'zod/mini';
import { AppError } from '../errors/app-error.js';

export type Environment = Readonly<Record<string, string | undefined>>;

// zod/mini rather than zod: the full build costs about 50 ms of every cold start just to load.
const integer = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().check(z.refine(Number.isInteger), z.gte(minimum), z.lte(maximum));
const withDefault = <Schema extends z.ZodMiniType>(schema: Schema, value: z.output<Schema>) =>
  z._default(schema, value as never);
const booleanFlag = z.pipe(
  z.enum(['true', 'false', '1', '0', 'on', 'off']),
  z.transform((value) => ['true', '1', 'on'].includes(value)),
);
const httpUrl = z.url({ protocol: /^https?$/ });

/** Every key the service reads. Empty strings count as unset: cloudbaserc renders a missing `{{env.X}}` as "". */
const environmentSchema = z.object({
  TENCENTCLOUD_RUNENV: z.optional(z.string()),
  STORAGE: z.optional(z.enum(['cloudbase', 'local'])),
  DATA_DIR: withDefault(z.string(), './data'),
  PROMPT_DIR: z.optional(z.string()),
  PORT: withDefault(integer(1, 65535), 5000),
  LLM_PROVIDER: z.optional(z.enum(['openai', 'offline'])),
  OPENAI_BASE_URL: withDefault(httpUrl, 'https://api.openai.com/v1'),
  OPENAI_API_KEY: z.optional(z.string()),
  LLM_MODEL: z.optional(z.string()),
  LLM_STREAM: withDefault(booleanFlag, true),
  LLM_MAX_TOKENS: withDefault(integer(1, 32_000), 800),
  LLM_TEMPERATURE: withDefault(z.coerce.number().check(z.gte(0), z.lte(2)), 0.7),
  LLM_IDLE_TIMEOUT_MS: withDefault(integer(1), 20_000),
  LLM_MAX_ATTEMPTS: withDefault(integer(1, 5), 2),
  LLM_MAX_RETRY_WAIT_MS: withDefault(integer(0), 3_000),
  CHAT_DEADLINE_MS: withDefault(integer(1), 50_000),
  STORAGE_RESERVE_MS: withDefault(integer(1), 4_000),
  MAX_MESSAGE_CHARS: withDefault(integer(1), 2_000),
  MAX_HISTORY_ITEMS: withDefault(integer(1), 50),
  MAX_HISTORY_ITEM_CHARS: withDefault(integer(1), 4_000),
  MAX_REQUEST_BYTES: withDefault(integer(1), 512 * 1024),
  CONTEXT_MAX_MESSAGES: withDefault(integer(1), 40),
  MAX_SESSION_MESSAGES: withDefault(integer(1), 2_000),
  CLOUDBASE_ENV: z.optional(z.string()),
  CLOUDBASE_SERVICE_URL: z.optional(httpUrl),
  CLOUDBASE_SECRET_ID: z.optional(z.string()),
  CLOUDBASE_SECRET_KEY: z.optional(z.string()),
  CLOUDBASE_COLLECTION: withDefault(
    z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/)),
    'chat_sessions',
  ),
  CLOUDBASE_TIMEOUT_MS: withDefault(integer(1), 5_000),
  LOG_LEVEL: withDefault(z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
});

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
  model: ModelConfig;
  cloudbase: CloudbaseConfig;
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
  if (requireModel && provider === 'openai' && raw.LLM_MODEL === undefined) {
    problems.push('LLM_MODEL (required to call the model, e.g. deepseek-chat)');
  }
  const storage =
    raw.STORAGE === 'local' || raw.STORAGE === 'cloudbase' ? raw.STORAGE : onPlatform ? 'cloudbase' : 'local';
  if (storage === 'cloudbase' && !onPlatform && raw.CLOUDBASE_ENV === undefined) {
    problems.push('CLOUDBASE_ENV (required for STORAGE=cloudbase outside the platform)');
  }
  if (parsed.success && parsed.data.STORAGE_RESERVE_MS >= parsed.data.CHAT_DEADLINE_MS) {
    problems.push('STORAGE_RESERVE_MS (must be smaller than CHAT_DEADLINE_MS)');
  }
  if (!parsed.success || problems.length > 0) throw configError(problems);
  const values = parsed.data;

  return {
    onPlatform,
    storage,
    dataDir: path.resolve(values.DATA_DIR),
    promptDir: values.PROMPT_DIR === undefined ? undefined : path.resolve(values.PROMPT_DIR),
    port: values.PORT,
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
    },
    cloudbase: {
      envId: values.CLOUDBASE_ENV,
      serviceUrl: values.CLOUDBASE_SERVICE_URL,
      secretId: values.CLOUDBASE_SECRET_ID,
      secretKey: values.CLOUDBASE_SECRET_KEY,
      collection: values.CLOUDBASE_COLLECTION,
      timeoutMs: values.CLOUDBASE_TIMEOUT_MS,
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
  };
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

import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors/app-error.js';

export type Environment = Readonly<Record<string, string | undefined>>;

const positiveInteger = z.coerce.number().int().positive();
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'on', 'off'])
  .transform((value) => ['true', '1', 'on'].includes(value));

/** Every key the service reads. Empty strings count as unset: cloudbaserc renders a missing `{{env.X}}` as "". */
const environmentSchema = z.object({
  TENCENTCLOUD_RUNENV: z.string().optional(),
  STORAGE: z.enum(['cloudbase', 'local']).optional(),
  DATA_DIR: z.string().default('./data'),
  PROMPT_DIR: z.string().optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(5000),
  LLM_PROVIDER: z.enum(['openai', 'offline']).optional(),
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.openai.com/v1'),
  OPENAI_API_KEY: z.string().optional(),
  LLM_MODEL: z.string().optional(),
  LLM_STREAM: booleanFlag.default(true),
  LLM_MAX_TOKENS: positiveInteger.max(32_000).default(800),
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).default(0.7),
  LLM_IDLE_TIMEOUT_MS: positiveInteger.default(20_000),
  LLM_MAX_ATTEMPTS: positiveInteger.max(5).default(2),
  LLM_MAX_RETRY_WAIT_MS: z.coerce.number().int().min(0).default(3_000),
  CHAT_DEADLINE_MS: positiveInteger.default(50_000),
  STORAGE_RESERVE_MS: positiveInteger.default(4_000),
  MAX_MESSAGE_CHARS: positiveInteger.default(2_000),
  MAX_HISTORY_ITEMS: positiveInteger.default(50),
  MAX_HISTORY_ITEM_CHARS: positiveInteger.default(4_000),
  MAX_REQUEST_BYTES: positiveInteger.default(512 * 1024),
  CONTEXT_MAX_MESSAGES: positiveInteger.default(40),
  MAX_SESSION_MESSAGES: positiveInteger.default(2_000),
  CLOUDBASE_ENV: z.string().optional(),
  CLOUDBASE_SERVICE_URL: z.url({ protocol: /^https?$/ }).optional(),
  CLOUDBASE_SECRET_ID: z.string().optional(),
  CLOUDBASE_SECRET_KEY: z.string().optional(),
  CLOUDBASE_COLLECTION: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/)
    .default('chat_sessions'),
  CLOUDBASE_TIMEOUT_MS: positiveInteger.default(5_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
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

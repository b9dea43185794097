import * as z from 'zod/mini';

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
export const environmentSchema = z.object({
  TENCENTCLOUD_RUNENV: z.optional(z.string()),
  STORAGE: z.optional(z.enum(['cloudbase', 'local'])),
  DATA_DIR: withDefault(z.string(), './data'),
  PROMPT_DIR: z.optional(z.string()),
  PORT: withDefault(integer(1, 65535), 5000),
  // npm start takes user_id from the request body, so by default only this machine may reach it.
  HOST: withDefault(z.string().check(z.minLength(1)), '127.0.0.1'),
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
  // A second OpenAI-compatible provider, tried when the first fails in a retryable way.
  LLM_FALLBACK_BASE_URL: z.optional(httpUrl),
  LLM_FALLBACK_API_KEY: z.optional(z.string()),
  LLM_FALLBACK_MODEL: z.optional(z.string()),
  // The chat function's timeout is 60 s; the turn must end before it, with room for the cold start.
  CHAT_DEADLINE_MS: withDefault(integer(1_000, 55_000), 50_000),
  STORAGE_RESERVE_MS: withDefault(integer(1), 5_000),
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
  CLOUDBASE_TIMEOUT_MS: withDefault(integer(1), 4_000),
  // Per-user limits, counted in the database (docs/usage-limits.md); 0 turns a limit off.
  RATE_LIMIT_PER_MINUTE: withDefault(integer(0), 10),
  DAILY_MESSAGE_QUOTA: withDefault(integer(0), 200),
  DAILY_TOKEN_QUOTA: withDefault(integer(0), 200_000),
  CLOUDBASE_USAGE_COLLECTION: withDefault(
    z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/)),
    'chat_usage',
  ),
  // Days a session is kept after its last update; unset = kept until the user deletes it (no sweep).
  RETENTION_DAYS: z.optional(integer(1, 36_500)),
  // WeChat content security (security.msgSecCheck v2); default on when running on the platform.
  MSG_SEC_CHECK: z.optional(booleanFlag),
  // What a `review` verdict leads to, and what happens when the check itself fails.
  MSG_SEC_CHECK_REVIEW: withDefault(z.enum(['allow', 'block']), 'allow'),
  MSG_SEC_CHECK_ON_FAILURE: withDefault(z.enum(['open', 'closed']), 'open'),
  MSG_SEC_CHECK_TIMEOUT_MS: withDefault(integer(100, 10_000), 3_000),
  // Signs the bearer tokens of the HTTP access path; unset = that path stays closed on the platform.
  AUTH_TOKEN_SECRET: z.optional(z.string().check(z.minLength(32))),
  AUTH_TOKEN_TTL_SECONDS: withDefault(integer(60, 86_400), 1_800),
  // An optional text appended to every reply to mark it as AI-generated (GB 45438-2025).
  AI_LABEL_TEXT: z.optional(z.string().check(z.maxLength(100))),
  LOG_LEVEL: withDefault(z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
});

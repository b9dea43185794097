import * as z from 'zod/mini';

// zod/mini rather than zod: the full build costs about 50 ms of every cold start just to load.

/**
 * The deployed cloud functions; cloudbaserc.json passes each setting to exactly the ones that read it.
 * `chat-stream` (the HTTP function of issue 11) runs the same turn as `chat` and reads all its settings.
 */
export type FunctionName = 'chat' | 'chat-stream' | 'history';

/** What the docs and the coverage test know about one setting, declared beside its schema. */
export interface SettingInfo {
  /** One line for the README table and `.env.example`. */
  about: string;
  /** The default as the docs show it: the schema's default value, or what leaving it unset means. */
  unset: string;
  /** The functions that read it when deployed; `[]` = local runs, tests or the platform's own. */
  readBy: readonly FunctionName[];
}

/** Every setting's documentation, looked up by its schema: `settingInfo.get(environmentSchema.shape.KEY)`. */
export const settingInfo = z.registry<SettingInfo>();

type Info = Omit<SettingInfo, 'unset'>;
const chat = ['chat', 'chat-stream'] as const;
const stream = ['chat-stream'] as const;
const both = ['chat', 'chat-stream', 'history'] as const;
const local = [] as const;

/** A setting with a fixed default, shown as that value. */
function defaulted<Schema extends z.ZodMiniType>(schema: Schema, value: z.output<Schema>, info: Info) {
  const setting = z._default(schema, value as never);
  settingInfo.add(setting, { ...info, unset: String(value) });
  return setting;
}

/** A setting that may stay unset; `unset` says what that means. */
function optional<Schema extends z.ZodMiniType>(schema: Schema, unset: string, info: Info) {
  const setting = z.optional(schema);
  settingInfo.add(setting, { ...info, unset });
  return setting;
}

const integer = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().check(z.refine(Number.isInteger), z.gte(minimum), z.lte(maximum));
const booleanFlag = z.pipe(
  z.enum(['true', 'false', '1', '0', 'on', 'off']),
  z.transform((value) => ['true', '1', 'on'].includes(value)),
);
const httpUrl = z.url({ protocol: /^https?$/ });
const collectionName = z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/));

/**
 * Every key the service reads, each with its one line of documentation. Empty strings count as unset:
 * cloudbaserc renders a missing `{{env.X}}` as "". load-config.ts turns the values into the `Config`.
 */
export const environmentSchema = z.object({
  // --- Model: any OpenAI-compatible provider ---
  OPENAI_BASE_URL: defaulted(httpUrl, 'https://api.openai.com/v1', {
    about: 'any OpenAI-compatible endpoint (DeepSeek, Qwen, Hunyuan, Kimi, GLM, Ollama, vLLM)',
    readBy: chat,
  }),
  OPENAI_API_KEY: optional(z.string(), '—', {
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
  LLM_FALLBACK_API_KEY: optional(z.string(), '—', { about: 'the fallback provider’s key', readBy: chat }),
  LLM_FALLBACK_MODEL: optional(z.string(), '—', { about: 'the fallback provider’s model', readBy: chat }),

  // --- The chat turn ---
  // The chat function's timeout is 60 s; the turn must end before it, with room for the cold start.
  CHAT_DEADLINE_MS: defaulted(integer(1_000, 55_000), 50_000, {
    about: 'the whole chat turn, 1000–55000 (the function’s timeout is 60 s)',
    readBy: chat,
  }),
  STORAGE_RESERVE_MS: defaulted(integer(1), 5_000, {
    about: 'part of the deadline kept for storing the turn after the model; below `CHAT_DEADLINE_MS`',
    readBy: chat,
  }),
  CRISIS_JUDGE_WAIT_MS: defaulted(integer(0, 10_000), 2_000, {
    about: "longest a stream holds the reply's first words for the crisis judge's answer, 0–10000",
    readBy: stream,
  }),
  MAX_MESSAGE_CHARS: defaulted(integer(1), 2_000, { about: 'characters per message', readBy: chat }),
  MAX_HISTORY_ITEMS: defaulted(integer(1), 50, { about: 'client history items per request', readBy: chat }),
  MAX_HISTORY_ITEM_CHARS: defaulted(integer(1), 4_000, {
    about: 'characters per history item',
    readBy: chat,
  }),
  MAX_REQUEST_BYTES: defaulted(integer(1), 512 * 1024, {
    about: 'request size limit in bytes',
    readBy: both,
  }),
  CONTEXT_MAX_MESSAGES: defaulted(integer(1), 40, {
    about: 'stored messages read per turn and sent to the model as context',
    readBy: chat,
  }),
  MAX_SESSION_MESSAGES: defaulted(integer(1), 2_000, { about: 'messages per session', readBy: chat }),

  // --- Per-user limits, counted in the database (docs/usage-limits.md); 0 turns a limit off ---
  RATE_LIMIT_PER_MINUTE: defaulted(integer(0), 10, {
    about: 'messages per user per calendar minute; `0` = off',
    readBy: chat,
  }),
  DAILY_MESSAGE_QUOTA: defaulted(integer(0), 200, {
    about: 'messages per user per China day; `0` = off',
    readBy: chat,
  }),
  DAILY_TOKEN_QUOTA: defaulted(integer(0), 200_000, {
    about: 'model tokens per user per China day; `0` = off',
    readBy: chat,
  }),

  // --- Content security: WeChat's security.msgSecCheck v2, else the local word list ---
  MSG_SEC_CHECK: optional(booleanFlag, 'on on the platform, else off', {
    about: 'WeChat msgSecCheck (`true/false/1/0/on/off`)',
    readBy: chat,
  }),
  MSG_SEC_CHECK_REVIEW: defaulted(z.enum(['allow', 'block']), 'allow', {
    about: 'a `review` verdict: `allow` (flagged) or `block`',
    readBy: chat,
  }),
  MSG_SEC_CHECK_ON_FAILURE: defaulted(z.enum(['open', 'closed']), 'open', {
    about: 'check unavailable: `open` (word list decides) or `closed` (refuse)',
    readBy: chat,
  }),
  MSG_SEC_CHECK_TIMEOUT_MS: defaulted(integer(100, 10_000), 3_000, {
    about: 'budget for one text’s check, 100–10000',
    readBy: chat,
  }),

  // --- HTTP access tokens: chat mints them, both functions check them ---
  AUTH_TOKEN_SECRET: optional(z.string().check(z.minLength(32)), '—', {
    about: 'signs HTTP access bearer tokens, 32+ characters; unset = HTTP access closed on the platform',
    readBy: both,
  }),
  AUTH_TOKEN_TTL_SECONDS: defaulted(integer(60, 86_400), 1_800, {
    about: 'token lifetime, 60–86400; a token claiming a longer one is refused',
    readBy: both,
  }),
  AI_LABEL_TEXT: optional(z.string().check(z.maxLength(100)), '—', {
    about: 'up to 100 characters appended to each shown reply as a visible AI label (GB 45438-2025)',
    readBy: both,
  }),
  RETENTION_DAYS: optional(integer(1, 36_500), '— (keep)', {
    about: 'days a session is kept after its last update, 1–36500; the daily timer deletes older ones',
    readBy: ['history'],
  }),

  // --- Storage ---
  STORAGE: optional(z.enum(['cloudbase', 'local']), '`cloudbase` on the platform, else `local`', {
    about: 'storage adapter',
    readBy: local,
  }),
  DATA_DIR: defaulted(z.string(), './data', { about: 'the local adapter’s directory', readBy: local }),
  CLOUDBASE_ENV: optional(z.string(), 'the current environment on the platform', {
    about: 'environment id; needed off the platform for `STORAGE=cloudbase`, setup:cloudbase and deploys',
    readBy: local,
  }),
  CLOUDBASE_SECRET_ID: optional(z.string(), 'platform credentials', {
    about: 'API key id, required off the platform with `STORAGE=cloudbase`',
    readBy: local,
  }),
  CLOUDBASE_SECRET_KEY: optional(z.string(), 'platform credentials', {
    about: 'API key secret, required off the platform with `STORAGE=cloudbase`',
    readBy: local,
  }),
  CLOUDBASE_SERVICE_URL: optional(httpUrl, '—', {
    about: 'database API URL override (the tests’ emulator)',
    readBy: local,
  }),
  CLOUDBASE_COLLECTION: defaulted(collectionName, 'chat_sessions', {
    about: 'the sessions collection',
    readBy: both,
  }),
  CLOUDBASE_USAGE_COLLECTION: defaulted(collectionName, 'chat_usage', {
    about: 'the usage counters’ collection; must differ from `CLOUDBASE_COLLECTION`',
    readBy: both,
  }),
  CLOUDBASE_TIMEOUT_MS: defaulted(integer(1), 4_000, {
    about: 'per database request (idle socket); at most `STORAGE_RESERVE_MS` in the chat function',
    readBy: both,
  }),

  // --- Process ---
  PROMPT_DIR: optional(z.string(), 'beside the bundle, else `./prompt`', {
    about: 'where the prompt, label, crisis and word-list files are',
    readBy: local,
  }),
  // npm start takes user_id from the request body, so by default only this machine may reach it.
  PORT: defaulted(integer(1, 65535), 5000, { about: '`npm start`’s port', readBy: local }),
  HOST: defaulted(z.string().check(z.minLength(1)), '127.0.0.1', {
    about: '`npm start`’s address; it trusts `user_id` from the body, so this machine only by default',
    readBy: local,
  }),
  LOG_LEVEL: defaulted(z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info', {
    about: '`debug`, `info`, `warn`, `error` or `silent`',
    readBy: both,
  }),
  TENCENTCLOUD_RUNENV: optional(z.string(), 'set by CloudBase', {
    about: '`SCF` means “on the platform”; never set it yourself',
    readBy: local,
  }),
});

export type SettingName = keyof typeof environmentSchema.shape;

/**
 * The one error type of the service. Every failure that reaches a caller is an AppError with a stable
 * code; the HTTP status is derived from the code in one table so the two entry points cannot disagree.
 */
export const errorStatusByCode = {
  INVALID_JSON: 400,
  INVALID_INPUT: 400,
  MESSAGE_EMPTY: 400,
  MESSAGE_TOO_LONG: 400,
  HISTORY_TOO_LONG: 400,
  INVALID_ID: 400,
  INVALID_TIMESTAMP: 400,
  CONFIRMATION_REQUIRED: 400,
  /** A memory item, a session title or a feedback reason that shows nothing. */
  TEXT_EMPTY: 400,
  /** A memory item, a session title or a feedback reason over its length. */
  TEXT_TOO_LONG: 400,
  /** Feedback on a message that is not one of the companion's replies (the user's own message). */
  FEEDBACK_NOT_ALLOWED: 400,
  UNAUTHENTICATED: 401,
  AUTH_TOKEN_MISSING: 401,
  AUTH_TOKEN_MALFORMED: 401,
  AUTH_TOKEN_INVALID: 401,
  AUTH_TOKEN_EXPIRED: 401,
  /** The local server (npm start) refuses a request from another site or for a non-loopback Host. */
  FORBIDDEN_ORIGIN: 403,
  NOT_FOUND: 404,
  /** The caller has no session with that id (never created, deleted, or someone else's). */
  SESSION_NOT_FOUND: 404,
  /** None of the caller's sessions holds a message with that id. */
  MESSAGE_NOT_FOUND: 404,
  /** The caller's memory holds no item with that id. */
  MEMORY_ITEM_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  SESSION_FULL: 409,
  IDEMPOTENCY_CONFLICT: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  /** The memory holds MEMORY_MAX_ITEMS items: the user deletes one first. */
  MEMORY_FULL: 409,
  PAYLOAD_TOO_LARGE: 413,
  CONTENT_BLOCKED: 422,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  CONFIG_INVALID: 500,
  INTERNAL: 500,
  LLM_UPSTREAM_ERROR: 502,
  LLM_BAD_RESPONSE: 502,
  LLM_STREAM_INTERRUPTED: 502,
  LLM_EMPTY_REPLY: 502,
  LLM_CONTENT_FILTERED: 502,
  LLM_RATE_LIMITED: 503,
  LLM_UNAVAILABLE: 503,
  STORAGE_UNAVAILABLE: 503,
  CONTENT_CHECK_UNAVAILABLE: 503,
  LLM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof errorStatusByCode;

/** Codes after which sending the same request again may succeed, unless the error says otherwise. */
const retryableCodes: ReadonlySet<ErrorCode> = new Set([
  'LLM_UPSTREAM_ERROR',
  'LLM_BAD_RESPONSE',
  'LLM_STREAM_INTERRUPTED',
  'LLM_EMPTY_REPLY',
  'LLM_RATE_LIMITED',
  'LLM_UNAVAILABLE',
  'LLM_TIMEOUT',
  'STORAGE_UNAVAILABLE',
  'INTERNAL',
  'IDEMPOTENCY_IN_PROGRESS',
  'RATE_LIMITED',
  'CONTENT_CHECK_UNAVAILABLE',
]);

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    retryable: boolean;
    field?: string;
    retry_after_seconds?: number;
  };
  /** When the crisis screen found a risk, the hotlines travel with the error too. */
  safety?: unknown;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  /** The request field at fault, for input errors; never a value, only a name. */
  readonly field: string | undefined;
  /** When the caller (or our own retry loop) may try again, from an upstream Retry-After. */
  readonly retryAfterMs: number | undefined;
  /** Whether sending the same request again may succeed; the client shows a retry button when it can. */
  readonly retryable: boolean;
  /** Hotlines to show with the error (a risky message whose turn then failed), set by the chat core. */
  readonly safety: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      field?: string | undefined;
      cause?: unknown;
      retryAfterMs?: number | undefined;
      retryable?: boolean;
      safety?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.retryAfterMs = options.retryAfterMs;
    this.retryable = options.retryable ?? retryableCodes.has(code);
    this.safety = options.safety;
  }

  /** The same error with the hotlines a risky turn's answer carries, whatever went wrong. */
  withSafety(safety: unknown): AppError {
    return new AppError(this.code, this.message, {
      field: this.field,
      cause: this.cause,
      retryAfterMs: this.retryAfterMs,
      retryable: this.retryable,
      safety,
    });
  }

  get status(): number {
    return errorStatusByCode[this.code];
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message, retryable: this.retryable } };
    if (this.field !== undefined) body.error.field = this.field;
    if (this.retryAfterMs !== undefined) body.error.retry_after_seconds = Math.ceil(this.retryAfterMs / 1000);
    if (this.safety !== undefined) body.safety = this.safety;
    return body;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/**
 * Turns anything thrown into an AppError without leaking its text: unknown errors may carry user content
 * or secrets (a provider echoing the prompt, a URL with a key), so only a generic message goes out.
 */
export function toAppError(value: unknown): AppError {
  if (isAppError(value)) return value;
  return new AppError('INTERNAL', '服务暂时出了点问题，请稍后再试。(Internal error)', { cause: value });
}

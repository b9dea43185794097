import { AppError } from '../errors/app-error.js';
import { modelError, retryAfterFromHeaders } from './model-errors.js';

type ErrorClass<Instance = object> = abstract new (...args: never[]) => Instance;

/**
 * The `openai` SDK's error classes, passed in by openai-chat-model.ts (the only module that imports the
 * SDK, and only once it is loaded), so this mapping needs no import of its own.
 */
export interface OpenAiErrorClasses {
  OpenAIError: ErrorClass;
  APIError: ErrorClass<{ status: number | undefined }>;
  APIUserAbortError: ErrorClass;
  APIConnectionError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
  RateLimitError: ErrorClass<{ headers: Headers | undefined }>;
}

/** Maps the SDK's error classes to our codes. The provider's message stays in `cause`, never in the reply. */
export function toModelError(sdk: OpenAiErrorClasses, error: unknown, signal: AbortSignal): AppError {
  if (error instanceof AppError) return error;
  if (
    signal.aborted ||
    error instanceof sdk.APIUserAbortError ||
    error instanceof sdk.APIConnectionTimeoutError
  ) {
    return modelError('LLM_TIMEOUT', { cause: error });
  }
  if (error instanceof sdk.APIConnectionError) return modelError('LLM_UNAVAILABLE', { cause: error });
  if (error instanceof sdk.RateLimitError) {
    return modelError('LLM_RATE_LIMITED', {
      cause: error,
      retryAfterMs: retryAfterFromHeaders(error.headers),
    });
  }
  if (error instanceof sdk.APIError && typeof error.status === 'number') {
    // 4xx other than 408/409/429 means our request or our key is wrong: repeating it cannot help.
    const retryable = error.status >= 500 || error.status === 408 || error.status === 409;
    return modelError('LLM_UPSTREAM_ERROR', { cause: error, retryable });
  }
  if (
    error instanceof SyntaxError ||
    (error instanceof sdk.OpenAIError && !(error instanceof sdk.APIError))
  ) {
    return modelError('LLM_BAD_RESPONSE', { cause: error });
  }
  return modelError('LLM_UPSTREAM_ERROR', { cause: error });
}

import { AppError, type ErrorCode } from '../errors/app-error.js';
import { SafeDetail } from '../logging/logger.js';

type ModelErrorCode = Extract<ErrorCode, `LLM_${string}`>;

/** What the user reads when the model fails: kind, in character, and always saying the words are kept. */
const messages: Record<ModelErrorCode, string> = {
  LLM_TIMEOUT: '小怪兽想得有点久，这次没能及时回复。你的话已经保存，请稍后再试。(Model timed out)',
  LLM_UNAVAILABLE: '暂时连不上 AI 服务，你的话已经保存，请稍后再试。(Model unreachable)',
  LLM_RATE_LIMITED: '现在找小怪兽聊天的人有点多，请稍等一会儿再试。你的话已经保存。(Model rate limited)',
  LLM_UPSTREAM_ERROR: '回复时出了点问题，你的话已经保存，请稍后再试。(Model upstream error)',
  LLM_BAD_RESPONSE: '回复内容出了点问题，你的话已经保存，请再试一次。(Bad model response)',
  LLM_STREAM_INTERRUPTED: '回复说到一半断开了，你的话已经保存，请再试一次。(Model reply was cut off)',
  LLM_EMPTY_REPLY: '小怪兽这次没有说出话来，你的话已经保存，请再试一次。(Model reply was empty)',
  LLM_CONTENT_FILTERED:
    '这个话题小怪兽暂时没法回应，换个方式说说看？你的话已经保存。(Reply withheld by the provider filter)',
};

/**
 * The one way model failures are made. What actually happened (the provider's text, a parse error) goes
 * in `cause` for the log's class name, never into the message a user sees.
 */
export function modelError(
  code: ModelErrorCode,
  options: { cause?: unknown; detail?: string; retryAfterMs?: number | undefined; retryable?: boolean } = {},
): AppError {
  const cause = options.cause ?? (options.detail === undefined ? undefined : new SafeDetail(options.detail));
  return new AppError(code, messages[code], {
    ...(cause === undefined ? {} : { cause }),
    ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
    ...(options.retryable === undefined ? {} : { retryable: options.retryable }),
  });
}

/** `retry-after-ms`, then `Retry-After` in seconds or as an HTTP date, as providers send them. */
export function retryAfterFromHeaders(headers: Headers | undefined): number | undefined {
  const milliseconds = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(milliseconds) && milliseconds > 0) return milliseconds;
  const value = headers?.get('retry-after');
  if (value === null || value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

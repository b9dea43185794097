/**
 * The content-security port: a user's message is checked before the model sees it and the model's reply
 * before the user does. Adapters: WeChat's security.msgSecCheck (wechat-content-check.ts) and a local
 * word list (word-list-content-check.ts). What a verdict leads to (block, review policy, fail-open or
 * fail-closed when a check is unavailable) is the caller's decision, not the adapter's.
 */
import { AppError } from '../errors/app-error.js';
import { SafeDetail } from '../logging/logger.js';

export type ContentVerdict = 'pass' | 'review' | 'risky';

export interface ContentCheckResult {
  verdict: ContentVerdict;
  /** WeChat's label of the worst finding: 100 normal, 20002 porn, 20003 abuse, 20006 crime, … */
  label?: number;
  /** WeChat's trace_id, to quote in a report to WeChat; never the content. */
  traceId?: string;
}

export interface ContentCheckInput {
  /** The user the content comes from or goes to; WeChat requires one who used the app in the last 2 h. */
  openid: string;
  content: string;
  /** WeChat's scene: 1 profile, 2 comment, 3 forum, 4 social log. A chat message is checked as 2. */
  scene: 1 | 2 | 3 | 4;
  signal?: AbortSignal;
}

export interface ContentCheck {
  readonly name: string;
  /** Throws AppError('CONTENT_CHECK_UNAVAILABLE') when no verdict could be obtained. */
  check(input: ContentCheckInput): Promise<ContentCheckResult>;
}

/** msgSecCheck's limit on `content`, in characters. */
export const MAX_CHECK_CHARS = 2500;

/** How far back from a chunk's end a line or sentence break is looked for, so words stay whole. */
const BREAK_SEARCH_CHARS = 200;
const NATURAL_BREAK = /[\n。！？!?；;，,、 ]/u;

/**
 * Splits content into pieces of at most `maxChars` code points (an emoji is one character to WeChat,
 * two UTF-16 units to JavaScript), ending a piece at a line or sentence break near the limit when there
 * is one, so a phrase is less likely to be cut in two and escape both halves' checks.
 */
export function splitForCheck(content: string, maxChars = MAX_CHECK_CHARS): string[] {
  const characters = Array.from(content);
  if (characters.length <= maxChars) return [content];
  const chunks: string[] = [];
  let start = 0;
  while (start < characters.length) {
    let end = Math.min(start + maxChars, characters.length);
    if (end < characters.length) {
      for (let index = end - 1; index > end - BREAK_SEARCH_CHARS && index > start; index -= 1) {
        if (NATURAL_BREAK.test(characters[index] ?? '')) {
          end = index + 1;
          break;
        }
      }
    }
    chunks.push(characters.slice(start, end).join(''));
    start = end;
  }
  return chunks;
}

const verdictRank: Record<ContentVerdict, number> = { pass: 0, review: 1, risky: 2 };

/** The most severe of several results (the first of equals), e.g. of the chunks of one long text. */
export function worstResult(results: readonly ContentCheckResult[]): ContentCheckResult {
  let worst: ContentCheckResult | undefined;
  for (const result of results) {
    if (worst === undefined || verdictRank[result.verdict] > verdictRank[worst.verdict]) worst = result;
  }
  return worst ?? { verdict: 'pass' };
}

/**
 * The error of a check that could not be done. `detail` is this service's own wording (an errcode, a
 * status, "timeout") and safe to log; the cause's message never is.
 */
export function contentCheckUnavailable(
  detail: string,
  options: { cause?: unknown; retryable?: boolean } = {},
): AppError {
  const cause = new SafeDetail(detail, options.cause === undefined ? undefined : { cause: options.cause });
  return new AppError(
    'CONTENT_CHECK_UNAVAILABLE',
    '内容安全检查暂时不可用，请稍后再试。(Content check unavailable)',
    {
      cause,
      retryable: options.retryable ?? false,
    },
  );
}

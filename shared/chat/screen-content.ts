import type { Config } from '../config/load-config.js';
import { AppError } from '../errors/app-error.js';
import { describeCause, type Logger } from '../logging/logger.js';
import type { ContentCheck, ContentVerdict } from '../safety/content-check.js';

export interface ContentScreening {
  /** WeChat's msgSecCheck when enabled (on the platform by default). */
  wechat: ContentCheck | undefined;
  /** The local word list: the only check off the platform, the stand-in when WeChat cannot answer. */
  wordList: ContentCheck;
  policy: Pick<Config['contentCheck'], 'review' | 'onFailure'>;
}

export interface ContentDecision {
  /** `blocked` stops the text; `review` lets it through, flagged for the operator. */
  outcome: 'pass' | 'review' | 'blocked';
  verdict: ContentVerdict;
  checkedBy: string;
}

/**
 * Checks one text (the user's message, or the reply before the user sees it) and applies the policy:
 * `risky` blocks; `review` blocks or passes flagged as configured; when WeChat cannot answer, fail-closed
 * refuses the turn and fail-open falls back to the word list, so a person in distress is not turned away
 * because a check service is down. Every decision that is not a plain pass is logged, never the text.
 */
export async function screenContent(
  text: string,
  options: {
    openid: string;
    direction: 'message' | 'reply';
    screening: ContentScreening;
    logger: Logger;
    /** Ends a WeChat check that would outlast the turn's time; the failure policy then applies. */
    signal?: AbortSignal;
  },
): Promise<ContentDecision> {
  const { screening, logger, direction } = options;
  let check = screening.wechat ?? screening.wordList;
  let result: Awaited<ReturnType<ContentCheck['check']>>;
  try {
    result = await check.check({
      openid: options.openid,
      content: text,
      scene: 2,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    const failure =
      error instanceof AppError ? error : new AppError('CONTENT_CHECK_UNAVAILABLE', '内容检查暂时不可用。');
    logger.warn('content_check.unavailable', {
      direction,
      check: check.name,
      policy: screening.policy.onFailure,
      cause: describeCause(failure),
    });
    if (screening.policy.onFailure === 'closed' || check === screening.wordList) {
      throw new AppError(
        'CONTENT_CHECK_UNAVAILABLE',
        '内容安全检查暂时不可用，你的话已经保存，请稍后再试。(Content check unavailable)',
        { retryable: true },
      );
    }
    check = screening.wordList;
    result = await check.check({ openid: options.openid, content: text, scene: 2 });
  }
  const outcome =
    result.verdict === 'risky'
      ? 'blocked'
      : result.verdict === 'review'
        ? screening.policy.review === 'block'
          ? 'blocked'
          : 'review'
        : 'pass';
  if (outcome !== 'pass') {
    logger.warn('content_check.flagged', {
      direction,
      check: check.name,
      verdict: result.verdict,
      outcome,
      label: result.label,
      trace_id: result.traceId,
    });
  }
  return { outcome, verdict: result.verdict, checkedBy: check.name };
}

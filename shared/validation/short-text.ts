import { AppError } from '../errors/app-error.js';
import { exceedsCharacters, hasVisibleText } from './visible-text.js';

const labels: Record<string, string> = {
  text: '记忆内容 (text)',
  title: '会话标题 (title)',
  reason: '反馈原因 (reason)',
};

/**
 * A short text the user typed (a memory item, a session title, a feedback reason): trimmed, its runs of
 * whitespace made one space (a title or an item is one line), refused with TEXT_EMPTY when it shows
 * nothing and TEXT_TOO_LONG past `max` characters as a person counts them (graphemes). The message
 * names the field, never the text.
 */
export function checkShortText(text: string, field: string, max: number): string {
  const cleaned = text.replace(/\s+/gu, ' ').trim();
  const label = labels[field] ?? field;
  if (!hasVisibleText(cleaned)) {
    throw new AppError('TEXT_EMPTY', `${label} 不能为空。(Empty field: ${field})`, { field });
  }
  if (exceedsCharacters(cleaned, max)) {
    throw new AppError('TEXT_TOO_LONG', `${label} 最多 ${max} 个字。(Too long: ${field})`, { field });
  }
  return cleaned;
}

/** The first `max` characters (graphemes) of a text on one line, with "…" when it was cut. */
export function firstCharacters(text: string, max: number): string {
  const line = text.replace(/\s+/gu, ' ').trim();
  if (!exceedsCharacters(line, max)) return line;
  const segmenter = new Intl.Segmenter('zh', { granularity: 'grapheme' });
  let kept = '';
  let count = 0;
  for (const { segment } of segmenter.segment(line)) {
    // A grapheme may carry many combining marks; the code units are bounded too.
    if (count === max - 1 || kept.length + segment.length > max * 4) break;
    kept += segment;
    count += 1;
  }
  return `${kept.trimEnd()}…`;
}

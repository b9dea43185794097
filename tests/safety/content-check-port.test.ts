import { describe, expect, it } from 'vitest';
import { describeCause } from '../../shared/logging/logger.js';
import {
  contentCheckUnavailable,
  MAX_CHECK_CHARS,
  splitForCheck,
  worstResult,
} from '../../shared/safety/content-check.js';

describe('splitForCheck', () => {
  it('keeps content within the limit whole', () => {
    expect(splitForCheck('短')).toEqual(['短']);
    expect(splitForCheck('字'.repeat(MAX_CHECK_CHARS))).toHaveLength(1);
  });

  it('counts an emoji as one character, never splitting a surrogate pair', () => {
    const chunks = splitForCheck('🙂'.repeat(5), 2);
    expect(chunks).toEqual(['🙂🙂', '🙂🙂', '🙂']);
  });

  it('ends a chunk at a line or sentence break near the limit, else cuts hard', () => {
    expect(splitForCheck('aaaa。bbbbbbb', 6)).toEqual(['aaaa。', 'bbbbbb', 'b']);
    expect(splitForCheck('ab\ncdefgh', 6)).toEqual(['ab\n', 'cdefgh']);
    expect(splitForCheck('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('loses and repeats nothing', () => {
    const text = Array.from({ length: 400 }, (_, index) => `第${index}句话，还有一些内容。\n`).join('');
    const chunks = splitForCheck(text);
    expect(chunks.join('')).toBe(text);
    expect(chunks.every((chunk) => Array.from(chunk).length <= MAX_CHECK_CHARS)).toBe(true);
  });
});

describe('worstResult', () => {
  it('orders risky over review over pass, keeping the first of equals', () => {
    expect(worstResult([])).toEqual({ verdict: 'pass' });
    expect(
      worstResult([
        { verdict: 'pass', label: 100 },
        { verdict: 'review', label: 20012, traceId: 'a' },
        { verdict: 'review', label: 20002, traceId: 'b' },
      ]),
    ).toEqual({ verdict: 'review', label: 20012, traceId: 'a' });
    expect(worstResult([{ verdict: 'risky', label: 20006 }, { verdict: 'review' }])).toMatchObject({
      verdict: 'risky',
    });
  });
});

describe('contentCheckUnavailable', () => {
  it('carries a loggable detail, never the cause text', () => {
    const error = contentCheckUnavailable('msgSecCheck errcode -1', {
      cause: new Error('secret user text'),
      retryable: true,
    });
    expect(error.code).toBe('CONTENT_CHECK_UNAVAILABLE');
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
    expect(describeCause(error)).toBe('detail:msgSecCheck errcode -1');
  });
});

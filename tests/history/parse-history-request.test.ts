/**
 * The history function's request parser returns plain data, one shape per action, that handle-history
 * dispatches on: nothing to call, so a request can be logged, compared and tested as a value.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors/app-error.js';
import {
  formatExportCursor,
  httpMethodForHistory,
  parseHistoryRequest,
} from '../../shared/history/parse-history-request.js';

function errorOf(raw: unknown): { code: string; field: unknown } {
  try {
    parseHistoryRequest(raw);
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error('parsed');
}

describe('parseHistoryRequest', () => {
  it.each([
    [
      { session_id: 's1' },
      { action: 'messages', userId: undefined, sessionId: 's1', limit: 200, before: undefined },
    ],
    [
      { action: 'messages', user_id: 'u1', session_id: 's1', limit: '20', before: 'm9' },
      { action: 'messages', userId: 'u1', sessionId: 's1', limit: 20, before: 'm9' },
    ],
    [{ action: 'labels' }, { action: 'labels', userId: undefined }],
    [
      { action: 'sessions', limit: 5 },
      { action: 'sessions', userId: undefined, limit: 5 },
    ],
    [{ action: 'export' }, { action: 'export', userId: undefined, cursor: undefined }],
    [
      { action: 'export', cursor: 'diary' },
      { action: 'export', userId: undefined, cursor: { kind: 'after_session', sessionId: 'diary' } },
    ],
    [
      { action: 'export', cursor: 'diary:1200' },
      {
        action: 'export',
        userId: undefined,
        cursor: { kind: 'in_session', sessionId: 'diary', messageOffset: 1200 },
      },
    ],
    [
      { action: 'delete_session', session_id: 's1' },
      { action: 'delete_session', userId: undefined, sessionId: 's1' },
    ],
    [
      { action: 'delete_all', confirm: 'DELETE_ALL', user_id: 'u1' },
      { action: 'delete_all', userId: 'u1' },
    ],
  ])('reads %j as plain data', (raw, expected) => {
    const request = parseHistoryRequest(raw);
    expect(request).toEqual(expected);
    // Plain data: it survives a JSON round trip unchanged (no functions, no class instances).
    expect(JSON.parse(JSON.stringify(request))).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('writes the cursors it reads', () => {
    for (const cursor of ['diary', 'diary:0', 'a-b_C:42']) {
      const request = parseHistoryRequest({ action: 'export', cursor });
      if (request.action !== 'export' || request.cursor === undefined) throw new Error('no cursor');
      expect(formatExportCursor(request.cursor)).toBe(cursor);
    }
  });

  it.each([
    [{ action: 'export', cursor: 'diary:' }, 'INVALID_ID', 'cursor'],
    [{ action: 'export', cursor: 'diary:-1' }, 'INVALID_ID', 'cursor'],
    [{ action: 'export', cursor: 'diary:1:2' }, 'INVALID_ID', 'cursor'],
    [{ action: 'export', cursor: 'diary:12345678' }, 'INVALID_ID', 'cursor'],
    [{ action: 'export', cursor: '../x:1' }, 'INVALID_ID', 'cursor'],
    [{ action: 'export', cursor: 7 }, 'INVALID_ID', 'cursor'],
    [{ action: 'nope' }, 'INVALID_INPUT', 'action'],
    [{ action: null }, 'INVALID_INPUT', 'action'],
    [[], 'INVALID_INPUT', 'body'],
    [{ action: 'delete_all' }, 'CONFIRMATION_REQUIRED', 'confirm'],
    [{ action: 'delete_all', confirm: 'yes' }, 'CONFIRMATION_REQUIRED', 'confirm'],
    [{ session_id: 's1', limit: 0 }, 'INVALID_INPUT', 'limit'],
    [{ session_id: '../s1' }, 'INVALID_ID', 'session_id'],
  ])('refuses %j with %s on %s', (raw, code, field) => {
    expect(errorOf(raw)).toEqual({ code, field });
  });
});

describe('httpMethodForHistory', () => {
  it('reads by GET and deletes by POST, and knows nothing of an unknown action', () => {
    expect(httpMethodForHistory({})).toBe('GET');
    expect(httpMethodForHistory({ action: 'export' })).toBe('GET');
    expect(httpMethodForHistory({ action: 'delete_session' })).toBe('POST');
    expect(httpMethodForHistory({ action: 'delete_all' })).toBe('POST');
    expect(httpMethodForHistory({ action: 'toString' })).toBeUndefined();
    expect(httpMethodForHistory('export')).toBeUndefined();
  });
});

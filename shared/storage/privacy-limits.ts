import { AppError } from '../errors/app-error.js';
import { idPattern } from './session-document.js';
import {
  EXPORT_MAX_SESSIONS,
  type ExportSessionsOptions,
  RETENTION_SWEEP_DEFAULT_LIMIT,
} from './session-store.js';

/** The checks both adapters make on the arguments of the privacy calls, before touching storage. */

/** `Date.prototype.toISOString()` output: the one format `updated_at` is written in and compared as. */
const utcIsoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function exportPage(options: ExportSessionsOptions): {
  afterSessionId: string | undefined;
  limit: number;
} {
  const { afterSessionId } = options;
  if (afterSessionId !== undefined && !idPattern.test(afterSessionId)) {
    throw new AppError('INVALID_ID', 'cursor 格式不正确。', { field: 'cursor' });
  }
  return { afterSessionId, limit: clampLimit(options.limit, EXPORT_MAX_SESSIONS, EXPORT_MAX_SESSIONS) };
}

export function sweepLimit(limit: number | undefined): number {
  return clampLimit(limit, RETENTION_SWEEP_DEFAULT_LIMIT, Number.MAX_SAFE_INTEGER);
}

/**
 * A cutoff in another format would compare wrongly as a string (and so delete the wrong sessions):
 * a programming error, refused outright.
 */
export function assertCutoff(cutoffIso: string): void {
  if (!utcIsoPattern.test(cutoffIso) || Number.isNaN(Date.parse(cutoffIso))) {
    throw new TypeError('cutoff must be a UTC ISO 8601 time as Date.toISOString() writes it');
  }
}

function clampLimit(limit: number | undefined, fallback: number, maximum: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
  return Math.min(limit, maximum);
}

import type { LogLevel } from '../config/load-config.js';

/** Log fields are ids, counts, durations and codes. Message text and secrets never go in a log line. */
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const ranks = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

/** One JSON object per line, which the CloudBase log console indexes. */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => console.info(line),
): Logger {
  const emit = (lineLevel: Exclude<LogLevel, 'silent'>, event: string, fields: LogFields = {}) => {
    if (ranks[lineLevel] < ranks[level]) return;
    write(JSON.stringify({ level: lineLevel, event, ...fields }));
  };
  return {
    debug: (event, fields) => emit('debug', event, fields),
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
  };
}

/**
 * A cause whose message this service wrote itself ("stream idle"), so it is safe to log, unlike the
 * message of an error from a library or a provider, which may quote the request.
 */
export class SafeDetail extends Error {
  override readonly name = 'SafeDetail';
}

/** The class of a cause, for a log line; its message only when it is a SafeDetail. */
export function describeCause(error: unknown): string | undefined {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (cause instanceof SafeDetail) return `detail:${cause.message}`;
  if (cause instanceof Error) {
    const code =
      'code' in cause && (typeof cause.code === 'string' || typeof cause.code === 'number') ? cause.code : '';
    const status = 'status' in cause && typeof cause.status === 'number' ? cause.status : '';
    return [cause.constructor.name, code, status].filter((part) => part !== '').join(':');
  }
  return undefined;
}

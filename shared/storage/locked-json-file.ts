import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors/app-error.js';
import { withFileLock } from './file-lock.js';
import { writeFileAtomically } from './write-file-atomically.js';

/**
 * The plumbing the local adapters (sessions, usage, memory) share: paths that cannot leave their root,
 * reads that tell a missing file or directory from a broken one, and the locked read-modify-write every
 * local write is.
 */

/** `root/segments…`, refused with INVALID_ID if it would leave `root`. */
export function fileInside(root: string, segments: readonly string[], field: string): string {
  const filePath = path.join(root, ...segments);
  // Ids are checked against the id pattern first, which rules out separators and dots; this guards
  // against a future change to it.
  const relative = path.relative(root, filePath);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new AppError('INVALID_ID', 'id 不合法。', { field });
  }
  return filePath;
}

export function hasErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

/** Entry names of a directory; none when it does not exist. */
export function namesIn(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return [];
    throw error;
  }
}

export function readIfExists(filePath: string): string | undefined {
  try {
    return readFileSync(filePath, 'utf8');
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

export function statIfExists(filePath: string) {
  try {
    return statSync(filePath);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** The parsed contents of a JSON file, or undefined when there is no file. */
export function readJsonIfExists(filePath: string): unknown {
  const text = readIfExists(filePath);
  return text === undefined ? undefined : JSON.parse(text);
}

export function writeJsonFile(filePath: string, value: unknown): void {
  writeFileAtomically(filePath, `${JSON.stringify(value, null, 1)}\n`);
}

/**
 * Reads, changes and writes one JSON file under its lock (`withFileLock`: a promise queue in this
 * process, a lock file across processes), written by an atomic rename, so concurrent writers lose
 * nothing and a reader or a killed writer never sees half a file. `decide` gets the parsed contents (or
 * undefined) and returns what to write (`next`, or undefined for nothing) and the call's value.
 */
export async function updateJsonFile<T>(
  filePath: string,
  decide: (current: unknown) => { next: unknown; value: T },
): Promise<T> {
  mkdirSync(path.dirname(filePath), { recursive: true, mode: 0o700 });
  return withFileLock(`${filePath}.lock`, () => {
    const { next, value } = decide(readJsonIfExists(filePath));
    if (next !== undefined) writeJsonFile(filePath, next);
    return value;
  });
}

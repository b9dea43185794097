import { EJSON } from 'bson';

/**
 * Value helpers shared by the CloudBase database emulator: deep copy/equality, MongoDB-like ordering,
 * dotted field paths and the `$tcb_server_date` placeholder.
 */

export type EmulatorDocument = Record<string, unknown>;

/** Becomes the `{code, message}` error reply; codes mirror the real service's. */
export class EmulatorError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'EmulatorError';
    this.code = code;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** `{ $gt: 1 }` is a condition; `{ a: 1 }` or `{}` is a literal value to compare against. */
export function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

export function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new EmulatorError('INVALID_PARAM', `${what} must be an array`);
  return value;
}

export function cloneValue<T>(value: T): T {
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => cloneValue(item)) as T;
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = cloneValue(item);
    return copy as T;
  }
  // Primitives and BSON wrappers (ObjectId, BSONRegExp) are never mutated in place, so sharing is safe.
  return value;
}

export function valuesEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (left instanceof Date && right instanceof Date) return left.getTime() === right.getTime();
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => valuesEqual(item, right[index]));
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const leftKeys = Object.keys(left);
    return (
      leftKeys.length === Object.keys(right).length &&
      leftKeys.every((key) => Object.hasOwn(right, key) && valuesEqual(left[key], right[key]))
    );
  }
  if (
    typeof left === 'object' &&
    typeof right === 'object' &&
    left !== null &&
    right !== null &&
    left.constructor === right.constructor &&
    !Array.isArray(left) &&
    !isPlainObject(left)
  ) {
    return EJSON.stringify(left as EmulatorDocument) === EJSON.stringify(right as EmulatorDocument);
  }
  return false;
}

/** MongoDB's cross-type sort order, so mixed-type fields sort the way the real service would. */
function typeRank(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (typeof value === 'number' || typeof value === 'bigint') return 2;
  if (typeof value === 'string') return 3;
  if (isPlainObject(value)) return 4;
  if (Array.isArray(value)) return 5;
  if (typeof value === 'boolean') return 8;
  if (value instanceof Date) return 9;
  return 10;
}

export function compareForSort(left: unknown, right: unknown): number {
  const rankDifference = typeRank(left) - typeRank(right);
  if (rankDifference !== 0) return rankDifference;
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left === 'string' && typeof right === 'string') return left < right ? -1 : left > right ? 1 : 0;
  if (left instanceof Date && right instanceof Date) return left.getTime() - right.getTime();
  if (typeof left === 'boolean' && typeof right === 'boolean') return Number(left) - Number(right);
  if (left === right || (left == null && right == null)) return 0;
  const leftText = EJSON.stringify({ value: left }, { relaxed: false });
  const rightText = EJSON.stringify({ value: right }, { relaxed: false });
  return leftText < rightText ? -1 : leftText > rightText ? 1 : 0;
}

/** Range operators only compare within one type bracket (`$gt: 5` never matches a string), as in MongoDB. */
export function compareComparable(left: unknown, right: unknown): number | undefined {
  if (typeRank(left) !== typeRank(right)) return undefined;
  return compareForSort(left, right);
}

function splitPath(path: string): string[] {
  const segments = path.split('.');
  if (segments.some((segment) => segment === '')) {
    throw new EmulatorError('INVALID_PARAM', `invalid field path '${path}'`);
  }
  return segments;
}

function isIndex(segment: string): boolean {
  return /^\d+$/.test(segment);
}

function readChild(container: unknown, segment: string): unknown {
  if (Array.isArray(container)) return isIndex(segment) ? container[Number(segment)] : undefined;
  if (isPlainObject(container) && Object.hasOwn(container, segment)) return container[segment];
  return undefined;
}

/** Single-valued lookup used by update operators; numeric segments index arrays. */
export function readPath(document: unknown, path: string): { found: boolean; value: unknown } {
  let current: unknown = document;
  for (const segment of splitPath(path)) {
    const found = Array.isArray(current)
      ? isIndex(segment) && Number(segment) < current.length
      : isPlainObject(current) && Object.hasOwn(current, segment);
    if (!found) return { found: false, value: undefined };
    current = readChild(current, segment);
  }
  return { found: true, value: current };
}

function writeChild(container: unknown, segment: string, value: unknown, path: string): void {
  if (Array.isArray(container)) {
    if (!isIndex(segment)) {
      throw new EmulatorError(
        'DATABASE_REQUEST_FAILED',
        `cannot create field '${segment}' in array (${path})`,
      );
    }
    const index = Number(segment);
    // MongoDB pads with nulls when writing past the end of an array.
    while (container.length < index) container.push(null);
    container[index] = value;
    return;
  }
  if (isPlainObject(container)) {
    container[segment] = value;
    return;
  }
  throw new EmulatorError('DATABASE_REQUEST_FAILED', `cannot create field '${segment}' (${path})`);
}

export function writePath(document: EmulatorDocument, path: string, value: unknown): void {
  const segments = splitPath(path);
  const lastSegment = segments.pop() ?? path;
  let container: unknown = document;
  for (const segment of segments) {
    let child = readChild(container, segment);
    if (child === undefined || child === null) {
      child = {};
      writeChild(container, segment, child, path);
    } else if (typeof child !== 'object' || child instanceof Date) {
      throw new EmulatorError(
        'DATABASE_REQUEST_FAILED',
        `cannot create field in element {${segment}: ${JSON.stringify(child)}} (${path})`,
      );
    }
    container = child;
  }
  writeChild(container, lastSegment, value, path);
}

export function removePath(document: EmulatorDocument, path: string): void {
  const segments = splitPath(path);
  const lastSegment = segments.pop() ?? path;
  let container: unknown = document;
  for (const segment of segments) {
    container = readChild(container, segment);
    if (container === undefined) return;
  }
  if (Array.isArray(container)) {
    // Like MongoDB, unsetting an array element leaves a null hole instead of shifting the array.
    if (isIndex(lastSegment) && Number(lastSegment) < container.length) container[Number(lastSegment)] = null;
  } else if (isPlainObject(container)) {
    Reflect.deleteProperty(container, lastSegment);
  }
}

/** Replaces `{ $tcb_server_date: { offset } }` (what `db.serverDate()` sends) with a real Date. */
export function resolveServerDates(value: unknown, now: number): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveServerDates(item, now));
  if (!isPlainObject(value)) return value;
  const marker = value.$tcb_server_date;
  if (isPlainObject(marker) && Object.keys(value).length === 1) {
    return new Date(now + (typeof marker.offset === 'number' ? marker.offset : 0));
  }
  const resolved: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) resolved[key] = resolveServerDates(item, now);
  return resolved;
}

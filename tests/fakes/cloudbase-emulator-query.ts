import { BSONRegExp } from 'bson';
import {
  asArray,
  cloneValue,
  compareComparable,
  compareForSort,
  type EmulatorDocument,
  EmulatorError,
  isOperatorObject,
  isPlainObject,
  readPath,
  removePath,
  valuesEqual,
  writePath,
} from './cloudbase-emulator-values.js';

/**
 * Query side of the CloudBase database emulator: `where()` matching, `orderBy()` sorting and `field()`
 * projection, on the decoded wire form the SDK sends (flattened dotted keys, `$ne` for `_.neq`,
 * `$and`/`$or` hoisted to the top level, regexes as BSONRegExp).
 */

/**
 * Every value a dotted path reaches. Like MongoDB, a non-numeric segment that meets an array fans out
 * into the array's elements, so `{ 'messages.role': 'user' }` matches any message.
 */
function collectCandidates(
  value: unknown,
  segments: readonly string[],
  index: number,
  found: unknown[],
): void {
  const segment = segments[index];
  if (segment === undefined) {
    found.push(value);
    return;
  }
  if (Array.isArray(value)) {
    if (/^\d+$/.test(segment) && Number(segment) < value.length) {
      collectCandidates(value[Number(segment)], segments, index + 1, found);
    }
    for (const element of value) {
      if (isPlainObject(element)) collectCandidates(element, segments, index, found);
    }
    return;
  }
  if (isPlainObject(value) && Object.hasOwn(value, segment)) {
    collectCandidates(value[segment], segments, index + 1, found);
  }
}

/** A condition on an array field is met by the array itself or by any of its elements. */
function withArrayElements(candidates: readonly unknown[]): unknown[] {
  return candidates.flatMap((candidate) =>
    Array.isArray(candidate) ? [candidate, ...candidate] : [candidate],
  );
}

function toRegExp(pattern: unknown, options: unknown): RegExp {
  if (pattern instanceof RegExp) return pattern;
  if (pattern instanceof BSONRegExp)
    return new RegExp(pattern.pattern, pattern.options.replace(/[^imsu]/g, ''));
  return new RegExp(String(pattern), typeof options === 'string' ? options.replace(/[^imsu]/g, '') : '');
}

function equalityMatches(candidates: readonly unknown[], expected: unknown): boolean {
  const values = withArrayElements(candidates);
  if (expected === null) return candidates.length === 0 || values.some((value) => value === null);
  if (expected instanceof BSONRegExp || expected instanceof RegExp) {
    const expression = toRegExp(expected, undefined);
    return values.some((value) => typeof value === 'string' && expression.test(value));
  }
  return values.some((value) => valuesEqual(value, expected));
}

function rangeMatches(candidates: readonly unknown[], operand: unknown, accept: (order: number) => boolean) {
  return withArrayElements(candidates).some((value) => {
    const order = compareComparable(value, operand);
    return order !== undefined && accept(order);
  });
}

function operatorMatches(
  candidates: readonly unknown[],
  operator: string,
  operand: unknown,
  condition: Record<string, unknown>,
): boolean {
  switch (operator) {
    case '$eq':
      return equalityMatches(candidates, operand);
    case '$ne':
    case '$neq':
      return !equalityMatches(candidates, operand);
    case '$gt':
      return rangeMatches(candidates, operand, (order) => order > 0);
    case '$gte':
      return rangeMatches(candidates, operand, (order) => order >= 0);
    case '$lt':
      return rangeMatches(candidates, operand, (order) => order < 0);
    case '$lte':
      return rangeMatches(candidates, operand, (order) => order <= 0);
    case '$in':
      return asArray(operand, '$in').some((item) => equalityMatches(candidates, item));
    case '$nin':
      return !asArray(operand, '$nin').some((item) => equalityMatches(candidates, item));
    case '$all':
      return asArray(operand, '$all').every((item) => equalityMatches(candidates, item));
    case '$exists':
      return candidates.length > 0 === Boolean(operand);
    case '$size':
      return candidates.some((value) => Array.isArray(value) && value.length === operand);
    case '$elemMatch':
      return candidates.some(
        (value) => Array.isArray(value) && value.some((item) => elementMatches(item, operand)),
      );
    case '$not':
      return !fieldMatches(candidates, operand);
    case '$mod': {
      const [divisor, remainder] = asArray(operand, '$mod').map(Number);
      return withArrayElements(candidates).some(
        (value) => typeof value === 'number' && divisor !== undefined && value % divisor === remainder,
      );
    }
    case '$regex': {
      const expression = toRegExp(operand, condition.$options);
      return withArrayElements(candidates).some(
        (value) => typeof value === 'string' && expression.test(value),
      );
    }
    case '$options':
      return true;
    default:
      throw new EmulatorError('INVALID_PARAM', `unsupported query operator ${operator}`);
  }
}

function fieldMatches(candidates: readonly unknown[], condition: unknown): boolean {
  if (!isOperatorObject(condition)) return equalityMatches(candidates, condition);
  return Object.entries(condition).every(([operator, operand]) =>
    operatorMatches(candidates, operator, operand, condition),
  );
}

/** `$elemMatch` and `$pull` conditions apply to a scalar element directly, or to an object element's fields. */
export function elementMatches(element: unknown, condition: unknown): boolean {
  if (isOperatorObject(condition)) return fieldMatches([element], condition);
  if (isPlainObject(condition)) return isPlainObject(element) && matchesQuery(element, condition);
  return equalityMatches([element], condition);
}

export function matchesQuery(document: EmulatorDocument, query: unknown): boolean {
  if (query === undefined || query === null) return true;
  if (!isPlainObject(query)) throw new EmulatorError('INVALID_PARAM', 'query must be an object');
  return Object.entries(query).every(([key, condition]) => {
    if (key === '$and') return asArray(condition, '$and').every((part) => matchesQuery(document, part));
    if (key === '$or') return asArray(condition, '$or').some((part) => matchesQuery(document, part));
    if (key === '$nor') return !asArray(condition, '$nor').some((part) => matchesQuery(document, part));
    if (key.startsWith('$')) throw new EmulatorError('INVALID_PARAM', `unsupported query operator ${key}`);
    const candidates: unknown[] = [];
    collectCandidates(document, key.split('.'), 0, candidates);
    return fieldMatches(candidates, condition);
  });
}

export interface SortKey {
  field: string;
  direction: 1 | -1;
}

function toDirection(value: unknown): 1 | -1 {
  return value === -1 || value === 'desc' ? -1 : 1;
}

/** The SDK sends `order` as `{ field: 1 | -1 }` in orderBy() call order; older clients sent `[{field, direction}]`. */
export function normalizeOrder(order: unknown): SortKey[] {
  if (order === undefined || order === null) return [];
  if (Array.isArray(order)) {
    return order.map((entry) => {
      if (!isPlainObject(entry)) throw new EmulatorError('INVALID_PARAM', 'invalid order entry');
      return { field: String(entry.field ?? entry.key), direction: toDirection(entry.direction) };
    });
  }
  if (isPlainObject(order)) {
    return Object.entries(order).map(([field, direction]) => ({ field, direction: toDirection(direction) }));
  }
  throw new EmulatorError('INVALID_PARAM', 'order must be an object');
}

export function compareBySortKeys(left: EmulatorDocument, right: EmulatorDocument, keys: readonly SortKey[]) {
  for (const { field, direction } of keys) {
    const order = compareForSort(readPath(left, field).value, readPath(right, field).value);
    if (order !== 0) return order * direction;
  }
  return 0;
}

function sliceArray(values: unknown[], specification: unknown): unknown[] {
  if (typeof specification === 'number') {
    if (specification === 0) return [];
    return specification > 0 ? values.slice(0, specification) : values.slice(specification);
  }
  const [skip, count] = asArray(specification, '$slice').map(Number);
  const start = (skip ?? 0) < 0 ? Math.max(values.length + (skip ?? 0), 0) : (skip ?? 0);
  return values.slice(start, start + (count ?? values.length));
}

function isIncluded(value: unknown): boolean {
  return value === true || (typeof value === 'number' && value !== 0);
}

/** `field()`: inclusion or exclusion (never mixed, except `_id: 0`), `_id` kept unless excluded, `$slice`. */
export function applyProjection(document: EmulatorDocument, projection: unknown): EmulatorDocument {
  if (!isPlainObject(projection) || Object.keys(projection).length === 0) return cloneValue(document);
  const entries = Object.entries(projection);
  const slices = entries.filter(([, value]) => isPlainObject(value));
  for (const [field, value] of slices) {
    if (!isPlainObject(value) || !Object.hasOwn(value, '$slice')) {
      throw new EmulatorError('INVALID_PARAM', `unsupported projection for ${field}`);
    }
  }
  const flags = entries.filter(([, value]) => !isPlainObject(value));
  const included = flags
    .filter(([field, value]) => field !== '_id' && isIncluded(value))
    .map(([field]) => field);
  const excluded = flags.filter(([, value]) => !isIncluded(value)).map(([field]) => field);
  let result: EmulatorDocument;
  if (included.length > 0) {
    if (excluded.some((field) => field !== '_id')) {
      throw new EmulatorError('INVALID_PARAM', 'projection cannot mix inclusion and exclusion');
    }
    result = {};
    const kept = [
      ...(excluded.includes('_id') ? [] : ['_id']),
      ...included,
      ...slices.map(([field]) => field),
    ];
    for (const field of kept) {
      const { found, value } = readPath(document, field);
      if (found) writePath(result, field, cloneValue(value));
    }
  } else {
    result = cloneValue(document);
    for (const field of excluded) removePath(result, field);
  }
  for (const [field, value] of slices) {
    const current = readPath(result, field).value;
    if (Array.isArray(current) && isPlainObject(value))
      writePath(result, field, sliceArray(current, value.$slice));
  }
  return result;
}

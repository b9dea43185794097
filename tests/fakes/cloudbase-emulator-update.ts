import {
  compareBySortKeys,
  elementMatches,
  matchesQuery,
  normalizeOrder,
} from './cloudbase-emulator-query.js';
import {
  asArray,
  cloneValue,
  compareForSort,
  type EmulatorDocument,
  EmulatorError,
  isPlainObject,
  readPath,
  removePath,
  valuesEqual,
  writePath,
} from './cloudbase-emulator-values.js';

/**
 * Update side of the CloudBase database emulator. The SDK turns every `update()` into operator form
 * (plain fields become `$set` on flattened dotted paths, `_.push(...)` becomes `$push: {$each}`,
 * `_.remove()` becomes `$unset`, `_.shift()` becomes `$pop: -1`), so this mostly mirrors MongoDB.
 */

function numericOperand(operator: string, path: string, operand: unknown): number {
  if (typeof operand !== 'number') {
    throw new EmulatorError('DATABASE_REQUEST_FAILED', `${operator} needs a number for '${path}'`);
  }
  return operand;
}

function readNumber(document: EmulatorDocument, operator: string, path: string): number | undefined {
  const { found, value } = readPath(document, path);
  if (!found || value === null) return undefined;
  if (typeof value !== 'number') {
    throw new EmulatorError(
      'DATABASE_REQUEST_FAILED',
      `cannot apply ${operator} to non-numeric field '${path}'`,
    );
  }
  return value;
}

function readArray(document: EmulatorDocument, operator: string, path: string): unknown[] {
  const { found, value } = readPath(document, path);
  if (!found || value === null) return [];
  if (!Array.isArray(value)) {
    throw new EmulatorError(
      'DATABASE_REQUEST_FAILED',
      `cannot apply ${operator} to non-array field '${path}'`,
    );
  }
  return [...value];
}

function sortArray(values: unknown[], specification: unknown): void {
  if (typeof specification === 'number') {
    values.sort((left, right) => compareForSort(left, right) * (specification < 0 ? -1 : 1));
    return;
  }
  const keys = normalizeOrder(specification);
  values.sort((left, right) =>
    isPlainObject(left) && isPlainObject(right)
      ? compareBySortKeys(left, right, keys)
      : compareForSort(left, right),
  );
}

function applyPush(document: EmulatorDocument, path: string, operand: unknown): void {
  const values = readArray(document, '$push', path);
  const modifiers =
    isPlainObject(operand) && Object.hasOwn(operand, '$each') ? operand : { $each: [operand] };
  const items = asArray(modifiers.$each, '$each').map((item) => cloneValue(item));
  const position = modifiers.$position;
  if (typeof position === 'number') {
    const index = position < 0 ? Math.max(values.length + position, 0) : Math.min(position, values.length);
    values.splice(index, 0, ...items);
  } else {
    values.push(...items);
  }
  if (modifiers.$sort !== undefined) sortArray(values, modifiers.$sort);
  const slice = modifiers.$slice;
  if (typeof slice === 'number') {
    writePath(document, path, slice === 0 ? [] : slice > 0 ? values.slice(0, slice) : values.slice(slice));
    return;
  }
  writePath(document, path, values);
}

function applyOperator(document: EmulatorDocument, operator: string, path: string, operand: unknown): void {
  switch (operator) {
    case '$set':
      writePath(document, path, cloneValue(operand));
      return;
    case '$unset':
      removePath(document, path);
      return;
    case '$inc':
      writePath(
        document,
        path,
        (readNumber(document, operator, path) ?? 0) + numericOperand(operator, path, operand),
      );
      return;
    case '$mul':
      writePath(
        document,
        path,
        (readNumber(document, operator, path) ?? 0) * numericOperand(operator, path, operand),
      );
      return;
    case '$max':
    case '$min': {
      const { found, value } = readPath(document, path);
      const order = compareForSort(operand, value);
      if (!found || (operator === '$max' ? order > 0 : order < 0))
        writePath(document, path, cloneValue(operand));
      return;
    }
    case '$push':
      applyPush(document, path, operand);
      return;
    case '$addToSet': {
      const values = readArray(document, operator, path);
      const candidates =
        isPlainObject(operand) && Object.hasOwn(operand, '$each')
          ? asArray(operand.$each, '$each')
          : [operand];
      for (const candidate of candidates) {
        if (!values.some((value) => valuesEqual(value, candidate))) values.push(cloneValue(candidate));
      }
      writePath(document, path, values);
      return;
    }
    case '$pull':
      writePath(
        document,
        path,
        readArray(document, operator, path).filter((value) => !elementMatches(value, operand)),
      );
      return;
    case '$pullAll': {
      const removed = asArray(operand, '$pullAll');
      const values = readArray(document, operator, path);
      writePath(
        document,
        path,
        values.filter((value) => !removed.some((item) => valuesEqual(item, value))),
      );
      return;
    }
    case '$pop': {
      const values = readArray(document, operator, path);
      if (operand === -1) values.shift();
      else values.pop();
      writePath(document, path, values);
      return;
    }
    case '$rename': {
      const { found, value } = readPath(document, path);
      if (typeof operand !== 'string')
        throw new EmulatorError('INVALID_PARAM', '$rename target must be a string');
      if (!found) return;
      removePath(document, path);
      writePath(document, operand, value);
      return;
    }
    default:
      throw new EmulatorError('INVALID_PARAM', `unsupported update operator ${operator}`);
  }
}

const negativeOperators = new Set(['$ne', '$neq', '$nin', '$not']);

/**
 * MongoDB's (and CloudBase's) positional `array.$.field`: `$` stands for the index of the first element
 * that matches the query's conditions on that array. Conditions that only exclude (`$ne`, `$nin`) select
 * no element, so they are left out of the choice, as MongoDB does.
 */
function resolvePositional(document: EmulatorDocument, path: string, query: unknown): string {
  const segments = path.split('.');
  const marker = segments.indexOf('$');
  if (marker < 0) return path;
  const arrayPath = segments.slice(0, marker).join('.');
  const values = readPath(document, arrayPath).value;
  const conditions = Object.entries(isPlainObject(query) ? query : {}).filter(
    ([key, condition]) =>
      (key === arrayPath || key.startsWith(`${arrayPath}.`)) &&
      !(
        isPlainObject(condition) && Object.keys(condition).some((operator) => negativeOperators.has(operator))
      ),
  );
  const index =
    !Array.isArray(values) || conditions.length === 0
      ? -1
      : values.findIndex((element) =>
          conditions.every(([key, condition]) => {
            if (key !== arrayPath)
              return matchesQuery(isPlainObject(element) ? element : {}, {
                [key.slice(arrayPath.length + 1)]: condition,
              });
            const inner =
              isPlainObject(condition) && Object.hasOwn(condition, '$elemMatch')
                ? condition.$elemMatch
                : condition;
            return elementMatches(element, inner);
          }),
        );
  if (index < 0) {
    throw new EmulatorError(
      'DATABASE_REQUEST_FAILED',
      'The positional operator did not find the match needed from the query.',
    );
  }
  return [...segments.slice(0, marker), String(index), ...segments.slice(marker + 1)].join('.');
}

function assertNotId(path: string): void {
  if (path === '_id' || path.startsWith('_id.')) {
    throw new EmulatorError('DATABASE_REQUEST_FAILED', "the field '_id' is immutable");
  }
}

/**
 * `merge: true` update; returns a new document and leaves the input untouched so a failing operator
 * part-way through a multi-document update changes nothing. Top-level keys without `$` (only possible
 * with `options({ raw: true })`) are treated as `$set`, which is what `merge: true` means.
 */
export function applyUpdate(document: EmulatorDocument, update: unknown, query?: unknown): EmulatorDocument {
  if (!isPlainObject(update)) throw new EmulatorError('INVALID_PARAM', 'update data must be an object');
  const result = cloneValue(document);
  const resolve = (path: string) => resolvePositional(document, path, query);
  for (const [operator, fields] of Object.entries(update)) {
    if (!operator.startsWith('$')) {
      assertNotId(operator);
      writePath(result, resolve(operator), cloneValue(fields));
      continue;
    }
    if (!isPlainObject(fields)) throw new EmulatorError('INVALID_PARAM', `${operator} needs an object`);
    for (const [path, operand] of Object.entries(fields)) {
      assertNotId(path);
      applyOperator(result, operator, resolve(path), operand);
    }
  }
  return result;
}

/** `merge: false` (what `doc().set()` sends): the stored document becomes `data`, keeping only its `_id`. */
export function replaceDocument(id: unknown, data: unknown): EmulatorDocument {
  if (!isPlainObject(data)) throw new EmulatorError('INVALID_PARAM', 'document data must be an object');
  if (Object.keys(data).some((key) => key.startsWith('$'))) {
    throw new EmulatorError('DATABASE_REQUEST_FAILED', 'update operator complicit');
  }
  const { _id: _ignored, ...rest } = cloneValue(data);
  return { _id: id, ...rest };
}

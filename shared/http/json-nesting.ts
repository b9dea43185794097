import { AppError } from '../errors/app-error.js';

/**
 * How deep a request's objects and arrays may nest. Every request the API takes is at most three deep
 * (a chat body's history items); far deeper input only exists to break recursive code (JSON.stringify,
 * a validator) and would answer 500 instead of 400.
 */
export const MAX_NESTING_DEPTH = 32;

/** Refuses a value nested deeper than `maxDepth` (or a cycle), walking it without recursion. */
export function assertShallow(value: unknown, maxDepth = MAX_NESTING_DEPTH): void {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > maxDepth) {
      throw new AppError(
        'INVALID_INPUT',
        `请求内容嵌套太深（最多 ${maxDepth} 层）。(Request nested too deeply)`,
        { field: 'body' },
      );
    }
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
}

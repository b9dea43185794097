import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Plugin } from 'esbuild';
import { parsePromptJson, promptFileError } from '../shared/prompt/read-prompt-file.js';
import { type CrisisRules, compileCrisisRules } from '../shared/safety/crisis-compile-rules.js';
import { crisisModelFileSchema } from '../shared/safety/crisis-model.js';
import { CRISIS_PATTERNS_FILE } from '../shared/safety/load-crisis-assets.js';
import { CRISIS_MODEL_FILE } from '../shared/safety/load-crisis-model.js';

/**
 * The prompt files whose checks cost a cold start most (the crisis rules' schema and per-pattern checks,
 * the weights' schema): the build runs those checks once, here, and gives the bundle the SHA-256 of the
 * very bytes that passed, so a function whose files are unchanged since the build skips them
 * (shared/prompt/read-prompt-file.ts). A broken file fails the build instead of a cold start. Each file
 * is also compiled the way a cold start that skips the checks would, and must give the same result: a
 * default or transform added to a schema later cannot make the two paths differ unnoticed.
 */
export function checkPromptFiles(promptDir: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const [fileName, check] of [
    [CRISIS_PATTERNS_FILE, checkPatterns],
    [CRISIS_MODEL_FILE, checkModel],
  ] as const) {
    // Read once: the bytes checked are the bytes hashed.
    const bytes = readFileSync(path.join(promptDir, fileName));
    check(parsePromptJson(fileName, bytes.toString('utf8')));
    hashes[fileName] = createHash('sha256').update(bytes).digest('hex');
  }
  return hashes;
}

function checkPatterns(raw: unknown): void {
  let checked: CrisisRules;
  try {
    checked = compileCrisisRules(raw);
  } catch (error) {
    const problem = error instanceof Error ? error.message : 'is invalid';
    throw promptFileError(CRISIS_PATTERNS_FILE, problem, error);
  }
  const skipped = compileCrisisRules(raw, { checkedAtBuild: true });
  if (compiledRulesShape(skipped) !== compiledRulesShape(checked)) {
    throw promptFileError(
      CRISIS_PATTERNS_FILE,
      'compiles differently without its checks: give compileCrisisRules the schema default it misses',
    );
  }
}

function checkModel(raw: unknown): void {
  const parsed = crisisModelFileSchema.safeParse(raw);
  if (!parsed.success) throw promptFileError(CRISIS_MODEL_FILE, 'does not match its schema', parsed.error);
  // Without its checks the file is used as read: the schema must not have changed any value it keeps.
  const read = raw as Record<string, unknown>;
  for (const [key, value] of Object.entries(parsed.data)) {
    if (!isDeepStrictEqual(value, read[key])) {
      throw promptFileError(
        CRISIS_MODEL_FILE,
        `its schema changes "${key}": the unchecked path would differ`,
      );
    }
  }
}

/** Everything compiled rules hold, as text: expressions by source and flags, maps by their entries. */
export function compiledRulesShape(rules: CrisisRules): string {
  return JSON.stringify(rules, (_key, value: unknown) => {
    if (value instanceof RegExp) return `/${value.source}/${value.flags}`;
    if (value instanceof Map) return [...value.entries()];
    return value;
  });
}

/** Puts the hashes in place of shared/prompt/checked-prompt-hashes.ts's empty table. */
export function checkedPromptHashes(hashes: Record<string, string>): Plugin {
  return {
    name: 'checked-prompt-hashes',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /[\\/]shared[\\/]prompt[\\/]checked-prompt-hashes\.ts$/ }, () => ({
        contents: `export const CHECKED_PROMPT_HASHES = ${JSON.stringify(hashes)};`,
        loader: 'ts',
      }));
    },
  };
}

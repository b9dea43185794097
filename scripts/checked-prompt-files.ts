import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { CRISIS_PATTERNS_FILE, loadCrisisRules } from '../shared/safety/load-crisis-assets.js';
import { CRISIS_MODEL_FILE, readCrisisModel } from '../shared/safety/load-crisis-model.js';

/**
 * The prompt files whose checks cost a cold start most (the crisis rules' schema and per-pattern checks,
 * the weights' schema): the build runs those checks once, here, and gives the bundle the SHA-256 of the
 * bytes that passed, so a function whose files are unchanged since the build skips them
 * (shared/prompt/read-prompt-file.ts). A broken file fails the build instead of a cold start.
 */
export function checkPromptFiles(promptDir: string): Record<string, string> {
  // Read from source, where the table is empty: every check runs.
  loadCrisisRules(promptDir);
  readCrisisModel(promptDir);
  return Object.fromEntries(
    [CRISIS_PATTERNS_FILE, CRISIS_MODEL_FILE].map((fileName) => [
      fileName,
      createHash('sha256')
        .update(readFileSync(path.join(promptDir, fileName)))
        .digest('hex'),
    ]),
  );
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

import { existsSync } from 'node:fs';
import path from 'node:path';
import { promptFileError, readCheckedPromptJson } from '../prompt/read-prompt-file.js';
import {
  type CrisisModel,
  type CrisisModelFile,
  compileCrisisModel,
  crisisModelFileSchema,
} from './crisis-model.js';

export const CRISIS_MODEL_FILE = 'crisis-model.json';

/**
 * The classifier, read on its first use: a cold start that answers a request without a message (history,
 * a rejected request) never parses the weights. Whether the file is there is checked at once, so a
 * deployment that forgot it fails at start-up, as for every other prompt file, not on someone's message.
 */
export function lazyCrisisModel(promptDir: string): CrisisModel {
  if (!existsSync(path.join(promptDir, CRISIS_MODEL_FILE))) {
    throw promptFileError(CRISIS_MODEL_FILE, 'cannot be read (run npm run build:crisis-model)', undefined);
  }
  let model: CrisisModel | undefined;
  const loaded = (): CrisisModel => {
    model ??= readCrisisModel(promptDir);
    return model;
  };
  return {
    probability: (preparedText) => loaded().probability(preparedText),
    level: (probability) => loaded().level(probability),
  };
}

export function readCrisisModel(promptDir: string): CrisisModel {
  const { value, checkedAtBuild } = readCheckedPromptJson(promptDir, CRISIS_MODEL_FILE);
  // A file that passed the schema at build is its own parsed form (the build proves it:
  // scripts/checked-prompt-files.ts).
  if (checkedAtBuild) return compileCrisisModel(value as CrisisModelFile);
  const parsed = crisisModelFileSchema.safeParse(value);
  if (!parsed.success) throw promptFileError(CRISIS_MODEL_FILE, 'does not match its schema', parsed.error);
  return compileCrisisModel(parsed.data);
}

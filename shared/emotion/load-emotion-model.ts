import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compileEmotionModel, type EmotionModel } from './emotion-model.js';
import { emotionModelFileSchema } from './emotion-model-file.js';

export const EMOTION_MODEL_FILE = 'basic-emotion-model.json';
/** Where the committed weights are, relative to the project root: with the other runtime assets. */
export const EMOTION_ASSETS_DIR = 'prompt';

/**
 * Where the weights are, the way resolvePromptDir finds the prompt: the given path; in prompt/ beside the
 * bundle, where `npm run build` copies the file (so a deployed function reads the weights it was deployed
 * with); else the committed file in the project, for `npm start`, the scripts and the tests.
 */
export function resolveEmotionModelPath(configured?: string): string {
  if (configured !== undefined) return configured;
  const besideBundle =
    typeof __dirname === 'string' ? path.join(__dirname, 'prompt', EMOTION_MODEL_FILE) : undefined;
  if (besideBundle !== undefined && existsSync(besideBundle)) return besideBundle;
  return path.resolve(EMOTION_ASSETS_DIR, EMOTION_MODEL_FILE);
}

/** Reads and checks a weights file; a missing or malformed file is an error that names the file. */
export function loadEmotionModel(filePath: string): EmotionModel {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(filePath, 'utf8'));
  } catch (error) {
    throw new Error(`emotion model ${filePath} cannot be read as JSON`, { cause: error });
  }
  const parsed = emotionModelFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`emotion model ${filePath} does not match its schema`, { cause: parsed.error });
  }
  return compileEmotionModel(parsed.data);
}

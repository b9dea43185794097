import { promptFileError, readCheckedPromptJson, readPromptFile } from '../prompt/read-prompt-file.js';
import { CRISIS_JUDGE_PROMPT_FILE } from './crisis-judge.js';
import type { CrisisModel } from './crisis-model.js';
import { CRISIS_MODEL_FILE, lazyCrisisModel } from './load-crisis-model.js';
import { type CrisisResource, type CrisisRules, compileCrisisRules } from './screen-crisis-risk.js';

export const CRISIS_PATTERNS_FILE = 'crisis-patterns.json';
export const CRISIS_RESPONSE_FILE = 'crisis-response.txt';
export const CRISIS_GUIDANCE_FILE = 'crisis-guidance.txt';
/** Every crisis file the deployed function reads: the build must copy these beside the bundle. */
export const CRISIS_ASSET_FILES = [
  CRISIS_PATTERNS_FILE,
  CRISIS_RESPONSE_FILE,
  CRISIS_GUIDANCE_FILE,
  CRISIS_MODEL_FILE,
  CRISIS_JUDGE_PROMPT_FILE,
] as const;

export interface CrisisAssets {
  rules: CrisisRules;
  /** The learned classifier; its weights are read on first use. */
  classifier: CrisisModel;
  /** The hotlines, attached by code to every medium or high turn. */
  resources: CrisisResource[];
  /** The fixed, human-written high-risk reply; the model never writes it. */
  responseTemplate: string;
  /** Appended to the system prompt for a medium-risk turn. */
  guidance: string;
  /** The model judge's instructions (layer 4): the labels and the one line of JSON it answers with. */
  judgePrompt: string;
}

/**
 * Reads and checks the crisis files once at start-up (sync, like loadPromptAssets). A broken file is a
 * configuration error naming the file and entry, so a counsellor's edit cannot silently disable screening.
 */
export function loadCrisisAssets(promptDir: string): CrisisAssets {
  const rules = loadCrisisRules(promptDir);
  const responseTemplate = readPromptFile(promptDir, CRISIS_RESPONSE_FILE).trim();
  const guidance = readPromptFile(promptDir, CRISIS_GUIDANCE_FILE).trim();
  if (responseTemplate === '') throw promptFileError(CRISIS_RESPONSE_FILE, 'is empty', undefined);
  if (guidance === '') throw promptFileError(CRISIS_GUIDANCE_FILE, 'is empty', undefined);
  const judgePrompt = readPromptFile(promptDir, CRISIS_JUDGE_PROMPT_FILE).trim();
  if (judgePrompt === '') throw promptFileError(CRISIS_JUDGE_PROMPT_FILE, 'is empty', undefined);
  // The fixed reply is the only thing a person in danger reads: it must give every listed number.
  const numbersInTemplate = new Set((responseTemplate.match(/\d[\d-]*\d|\d/g) ?? []).map(digitsOnly));
  const missing = rules.resources.filter((resource) => !numbersInTemplate.has(digitsOnly(resource.phone)));
  if (missing.length > 0) {
    const phones = missing.map((resource) => resource.phone).join(', ');
    throw promptFileError(CRISIS_RESPONSE_FILE, `does not give the hotline(s) ${phones}`, undefined);
  }
  return {
    rules,
    classifier: lazyCrisisModel(promptDir),
    resources: rules.resources.map((resource) => ({ ...resource })),
    responseTemplate,
    guidance,
    judgePrompt,
  };
}

/** The rules alone: what the classifier's build and the evaluation read besides the data. */
export function loadCrisisRules(promptDir: string): CrisisRules {
  const { value, checkedAtBuild } = readCheckedPromptJson(promptDir, CRISIS_PATTERNS_FILE);
  try {
    return compileCrisisRules(value, { checkedAtBuild });
  } catch (error) {
    throw promptFileError(CRISIS_PATTERNS_FILE, error instanceof Error ? error.message : 'is invalid', error);
  }
}

function digitsOnly(text: string): string {
  return text.replace(/\D/g, '');
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { type EmotionLabelSet, emotionLabelSetSchema } from '../emotion/emotion-label-set.js';
import { promptFileError, readPromptFile, readPromptJson } from './read-prompt-file.js';

export const PROMPT_FILE = 'counselor_prompt.txt';
export const LABELS_FILE = 'emotion-labels.json';
const LABELS_PLACEHOLDER = '{{emotion_labels}}';

export interface PromptAssets {
  /** The persona prompt with the label list rendered in. */
  systemPrompt: string;
  labelSet: EmotionLabelSet;
}

/**
 * Where the prompt files are: PROMPT_DIR when set; beside the bundle, where the build copies them (so the
 * deployed function reads the files it was deployed with); else the project's `prompt/`.
 */
export function resolvePromptDir(configured: string | undefined): string {
  if (configured !== undefined) return configured;
  const besideBundle = typeof __dirname === 'string' ? path.join(__dirname, 'prompt') : undefined;
  if (besideBundle !== undefined && existsSync(path.join(besideBundle, PROMPT_FILE))) return besideBundle;
  return path.resolve('prompt');
}

/** Reads and checks the prompt and label files; a broken file is a configuration error, named. */
export function loadPromptAssets(promptDir: string): PromptAssets {
  const template = readPromptFile(promptDir, PROMPT_FILE);
  const labels = emotionLabelSetSchema.safeParse(readPromptJson(promptDir, LABELS_FILE));
  if (!labels.success) throw promptFileError(LABELS_FILE, 'does not match the label schema', labels.error);
  return { systemPrompt: renderSystemPrompt(template, labels.data), labelSet: labels.data };
}

export function renderSystemPrompt(template: string, labelSet: EmotionLabelSet): string {
  // Each label with its meaning and, as few-shot guidance, how a reply with it begins.
  const list = labelSet.labels
    .map((entry) => {
      const examples = entry.examples_zh.map((example) => `\n  例：${example}`).join('');
      return `- [${entry.label}] ${entry.name_zh}：${entry.description_zh}${examples}`;
    })
    .join('\n');
  const body = template.includes(LABELS_PLACEHOLDER)
    ? template.replace(LABELS_PLACEHOLDER, list)
    : `${template.trimEnd()}\n\n每条回复以表情标签开头，可选标签：\n${list}`;
  return body.trim();
}

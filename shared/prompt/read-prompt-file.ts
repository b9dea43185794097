import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors/app-error.js';

/**
 * The files under prompt/ (persona, labels, crisis texts and rules, word list) are configuration that
 * counsellors edit: a broken one is a configuration error naming the file, never a crash with a stack.
 */
export function promptFileError(fileName: string, problem: string, cause?: unknown): AppError {
  return new AppError('CONFIG_INVALID', `服务配置有误，请联系管理员。(Prompt file ${fileName}: ${problem})`, {
    cause,
  });
}

export function readPromptFile(promptDir: string, fileName: string): string {
  try {
    return readFileSync(path.join(promptDir, fileName), 'utf8');
  } catch (error) {
    throw promptFileError(fileName, 'cannot be read', error);
  }
}

export function readPromptJson(promptDir: string, fileName: string): unknown {
  const text = readPromptFile(promptDir, fileName);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw promptFileError(fileName, 'is not valid JSON', error);
  }
}

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors/app-error.js';
import { CHECKED_PROMPT_HASHES } from './checked-prompt-hashes.js';

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
  return readCheckedPromptJson(promptDir, fileName).value;
}

/**
 * The file's JSON, and whether these very bytes passed the build's checks: then a cold start need not
 * check them again (for the crisis rules and weights, about 12 ms of the first call). A file edited
 * after the build, or read from source, has no matching hash and is checked as usual.
 */
export function readCheckedPromptJson(
  promptDir: string,
  fileName: string,
): { value: unknown; checkedAtBuild: boolean } {
  const text = readPromptFile(promptDir, fileName);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw promptFileError(fileName, 'is not valid JSON', error);
  }
  const expected = CHECKED_PROMPT_HASHES[fileName];
  const checkedAtBuild =
    expected !== undefined && createHash('sha256').update(text).digest('hex') === expected;
  return { value, checkedAtBuild };
}

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

function readPromptBytes(promptDir: string, fileName: string): Buffer {
  try {
    return readFileSync(path.join(promptDir, fileName));
  } catch (error) {
    throw promptFileError(fileName, 'cannot be read', error);
  }
}

export function readPromptFile(promptDir: string, fileName: string): string {
  return readPromptBytes(promptDir, fileName).toString('utf8');
}

export function parsePromptJson(fileName: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw promptFileError(fileName, 'is not valid JSON', error);
  }
}

export function readPromptJson(promptDir: string, fileName: string): unknown {
  return parsePromptJson(fileName, readPromptFile(promptDir, fileName));
}

/**
 * The file's JSON, and whether these very bytes passed the build's checks (their SHA-256 is in
 * `checkedHashes`, the bundle's table by default): then a cold start need not check them again (for the
 * crisis rules and weights, about 12 ms of the first call). A file edited after the build, or read from
 * source, has no matching hash and is checked as usual.
 */
export function readCheckedPromptJson(
  promptDir: string,
  fileName: string,
  checkedHashes: Readonly<Record<string, string>> = CHECKED_PROMPT_HASHES,
): { value: unknown; checkedAtBuild: boolean } {
  const bytes = readPromptBytes(promptDir, fileName);
  const value = parsePromptJson(fileName, bytes.toString('utf8'));
  const expected = checkedHashes[fileName];
  const checkedAtBuild =
    expected !== undefined && createHash('sha256').update(bytes).digest('hex') === expected;
  return { value, checkedAtBuild };
}

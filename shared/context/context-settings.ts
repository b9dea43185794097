import { createHash } from 'node:crypto';
import { AppError } from '../errors/app-error.js';
import type { PromptAssets } from '../prompt/load-prompt-assets.js';
import { readPromptFile } from '../prompt/read-prompt-file.js';
import type { CrisisAssets } from '../safety/load-crisis-assets.js';
import { estimateMessageTokens } from './estimate-tokens.js';

export const SUMMARY_PROMPT_FILE = 'summary-prompt.txt';
export const PROPOSAL_PROMPT_FILE = 'proposal-prompt.txt';

/** What building a turn's context needs, made once per warm instance. */
export interface ContextSettings {
  /** CONTEXT_TOKEN_BUDGET: estimated tokens of everything sent to the model in a reply call. */
  tokenBudget: number;
  /** The most stored messages a turn reads (CONTEXT_MAX_MESSAGES). */
  readLimit: number;
  /** The rolling summary's prompt (prompt/summary-prompt.txt). */
  summaryPrompt: string;
  /** The title and memory proposals' prompt (prompt/proposal-prompt.txt). */
  proposalPrompt: string;
  /** Stored on every reply: which persona, labels and crisis texts made it. */
  promptVersion: string;
}

/**
 * Reads the summary prompt and checks the budget against the parts every reply call sends, whatever the
 * session holds: the persona with its label guidance, the crisis guidance (a turn may need it), and the
 * longest message allowed counted as one token a character (as Chinese text is). A budget below that is
 * CONFIG_INVALID at start, so that the new message always fits. (A message of long emoji sequences can
 * estimate higher than one token a character; it is still sent whole, and fewer earlier turns go with it.)
 */
export function buildContextSettings(options: {
  tokenBudget: number;
  readLimit: number;
  maxMessageChars: number;
  promptDir: string;
  prompt: PromptAssets;
  crisis: Pick<CrisisAssets, 'guidance' | 'responseTemplate'>;
}): ContextSettings {
  const summaryPrompt = readPromptFile(options.promptDir, SUMMARY_PROMPT_FILE).trim();
  const proposalPrompt = readPromptFile(options.promptDir, PROPOSAL_PROMPT_FILE).trim();
  const fixed = fixedContextTokens(options);
  if (options.tokenBudget < fixed) {
    throw new AppError(
      'CONFIG_INVALID',
      `服务配置有误，请联系管理员。(Invalid configuration: CONTEXT_TOKEN_BUDGET (must hold the persona, its label and crisis guidance and the longest message: at least ${fixed} estimated tokens with these prompt files and MAX_MESSAGE_CHARS))`,
    );
  }
  return {
    tokenBudget: options.tokenBudget,
    readLimit: options.readLimit,
    summaryPrompt,
    proposalPrompt,
    promptVersion: promptVersionOf(options.prompt, options.crisis),
  };
}

export function fixedContextTokens(options: {
  maxMessageChars: number;
  prompt: PromptAssets;
  crisis: Pick<CrisisAssets, 'guidance'>;
}): number {
  return (
    estimateMessageTokens(`${options.prompt.systemPrompt}\n\n${options.crisis.guidance}`) +
    estimateMessageTokens('') +
    options.maxMessageChars
  );
}

/**
 * A short hash of the texts a reply is made with: the persona prompt with its labels rendered in, the
 * label file as parsed, the crisis guidance, and the counsellors' fixed crisis reply. Twelve hex digits
 * tell versions apart; it is not a security measure.
 */
export function promptVersionOf(
  prompt: PromptAssets,
  crisis: Pick<CrisisAssets, 'guidance' | 'responseTemplate'>,
): string {
  const hash = createHash('sha256');
  for (const part of [
    prompt.systemPrompt,
    JSON.stringify(prompt.labelSet),
    crisis.guidance,
    crisis.responseTemplate,
  ]) {
    hash.update(part).update('\u0000');
  }
  return hash.digest('hex').slice(0, 12);
}

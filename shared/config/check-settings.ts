import type { Config } from './config-schema.js';
import { deriveMode } from './config-schema.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The checks across keys that read the raw strings, so one bad number does not hide a missing key. Each
 * problem names keys and why, never a value.
 */
export function checkRawSettings(
  raw: Record<string, string>,
  environment: Environment,
  options: { requireModel: boolean },
): string[] {
  const problems: string[] = [];
  const { onPlatform, provider, storage } = deriveMode(raw);
  if (options.requireModel && onPlatform && provider === 'offline') {
    problems.push('LLM_PROVIDER (the offline demo responder is for local development only)');
  }
  if (options.requireModel && provider === 'openai' && raw.OPENAI_API_KEY === undefined)
    problems.push('OPENAI_API_KEY (required to call the model)');
  const fallbackKeys = ['LLM_FALLBACK_BASE_URL', 'LLM_FALLBACK_API_KEY', 'LLM_FALLBACK_MODEL'] as const;
  const fallbackSet = fallbackKeys.filter((key) => raw[key] !== undefined);
  if (fallbackSet.length > 0 && fallbackSet.length < fallbackKeys.length) {
    problems.push(
      `${fallbackKeys.filter((key) => raw[key] === undefined).join(', ')} (the fallback provider needs all three LLM_FALLBACK_* keys)`,
    );
  }
  if (options.requireModel && provider === 'openai' && raw.LLM_MODEL === undefined) {
    problems.push('LLM_MODEL (required to call the model, e.g. deepseek-chat)');
  }
  if (storage === 'cloudbase' && !onPlatform && raw.CLOUDBASE_ENV === undefined) {
    problems.push('CLOUDBASE_ENV (required for STORAGE=cloudbase outside the platform)');
  }
  if (storage === 'cloudbase' && !onPlatform && !hasCloudbaseCredentials(raw, environment)) {
    // Without credentials the SDK fails with an unhandled rejection that ends the process.
    problems.push(
      'CLOUDBASE_SECRET_ID and CLOUDBASE_SECRET_KEY (required for STORAGE=cloudbase outside the platform)',
    );
  }
  return problems;
}

/**
 * The checks across parsed values. The turn's time budget is checked only where a chat turn runs: the
 * history function is deployed without the chat turn's settings (cloudbaserc.json), so their defaults
 * must not be held against its own CLOUDBASE_TIMEOUT_MS.
 */
export function checkConfig(config: Config, options: { requireModel: boolean }): string[] {
  const problems: string[] = [];
  const { limits, cloudbase } = config;
  if (options.requireModel && limits.storageReserveMs >= limits.chatDeadlineMs) {
    problems.push('STORAGE_RESERVE_MS (must be smaller than CHAT_DEADLINE_MS)');
  }
  if (options.requireModel && cloudbase.timeoutMs > limits.storageReserveMs) {
    problems.push('CLOUDBASE_TIMEOUT_MS (must not exceed STORAGE_RESERVE_MS, or the final write cannot fit)');
  }
  if (cloudbase.usageCollection === cloudbase.collection) {
    problems.push('CLOUDBASE_USAGE_COLLECTION (must differ from CLOUDBASE_COLLECTION)');
  }
  if ([cloudbase.collection, cloudbase.usageCollection].includes(cloudbase.memoryCollection)) {
    problems.push('CLOUDBASE_MEMORY_COLLECTION (must differ from the sessions and usage collections)');
  }
  return problems;
}

function hasCloudbaseCredentials(raw: Record<string, string>, environment: Environment): boolean {
  const present = (key: string) => (environment[key]?.trim() ?? '') !== '';
  return (
    (raw.CLOUDBASE_SECRET_ID !== undefined && raw.CLOUDBASE_SECRET_KEY !== undefined) ||
    (present('TENCENTCLOUD_SECRETID') && present('TENCENTCLOUD_SECRETKEY')) ||
    present('CLOUDBASE_APIKEY')
  );
}

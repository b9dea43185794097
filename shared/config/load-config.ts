import { AppError } from '../errors/app-error.js';
import { checkConfig, checkRawSettings, type Environment } from './check-settings.js';
import { type Config, configSchema } from './config-schema.js';
import { environmentSchema } from './environment-schema.js';

export type { Environment } from './check-settings.js';
export type { CloudbaseConfig, Config, LogLevel, ModelConfig } from './config-schema.js';

function withoutEmptyValues(environment: Environment): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key of Object.keys(environmentSchema.shape)) {
    const value = environment[key]?.trim();
    if (value !== undefined && value !== '') result[key] = value;
  }
  return result;
}

/**
 * Reads and validates the whole configuration once, at start. A bad configuration names every bad key
 * and why, but never a value: the keys include secrets. A function that runs no chat turn (history)
 * passes `requireModel: false` so it can be deployed without the model's or the turn's settings.
 */
export function loadConfig(environment: Environment, options: { requireModel?: boolean } = {}): Config {
  const checks = { requireModel: options.requireModel ?? true };
  const raw = withoutEmptyValues(environment);
  const parsed = configSchema.safeParse(raw);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')} (${describeIssue(issue.code)})`);
  problems.push(...checkRawSettings(raw, environment, checks));
  if (parsed.success) problems.push(...checkConfig(parsed.data, checks));
  if (!parsed.success || problems.length > 0) throw configError(problems);
  return parsed.data;
}

function describeIssue(code: string): string {
  if (code === 'invalid_value') return 'not one of the allowed values';
  if (code === 'invalid_type') return 'not a number or of the wrong type';
  if (code === 'custom') return 'not a whole number';
  if (code === 'too_small' || code === 'too_big') return 'out of range';
  if (code === 'invalid_format') return 'wrong format';
  return 'invalid';
}

function configError(problems: string[]): AppError {
  return new AppError(
    'CONFIG_INVALID',
    `服务配置有误，请联系管理员。(Invalid configuration: ${problems.join('; ')})`,
  );
}

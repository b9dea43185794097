import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load-config.js';
import { RETENTION_TRIGGER_NAME } from '../../shared/endpoints/history-endpoint.js';
import type { AppError } from '../../shared/errors/app-error.js';

interface FunctionEntry {
  name: string;
  envVariables: Record<string, string>;
  triggers?: { name: string; type: string; config: string }[];
}
const deployment = JSON.parse(readFileSync('cloudbaserc.json', 'utf8')) as { functions: FunctionEntry[] };

function configError(environment: Record<string, string>): AppError {
  try {
    loadConfig(environment, { requireModel: false });
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a configuration error');
}

describe('retention settings', () => {
  it('reads RETENTION_DAYS as whole days of at least 1; unset (or empty) means no sweep', () => {
    expect(loadConfig({}, { requireModel: false }).retentionDays).toBeUndefined();
    expect(loadConfig({ RETENTION_DAYS: '' }, { requireModel: false }).retentionDays).toBeUndefined();
    expect(loadConfig({ RETENTION_DAYS: '180' }, { requireModel: false }).retentionDays).toBe(180);
    // The message names the key, never the value.
    expect(configError({ RETENTION_DAYS: 'forever' }).message).not.toContain('forever');
    for (const bad of ['0', '-3', '1.5', 'forever']) {
      const error = configError({ RETENTION_DAYS: bad });
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('RETENTION_DAYS');
    }
  });

  it('deploys the history function with the daily retention timer and RETENTION_DAYS', () => {
    const history = deployment.functions.find((entry) => entry.name === 'history');
    expect(history?.envVariables.RETENTION_DAYS).toBe('{{env.RETENTION_DAYS}}');
    expect(history?.triggers).toEqual([
      { name: RETENTION_TRIGGER_NAME, type: 'timer', config: '0 0 3 * * * *' },
    ]);
    // SCF's cron has seven fields: second minute hour day month week year.
    expect(history?.triggers?.[0]?.config.split(' ')).toHaveLength(7);
    const chat = deployment.functions.find((entry) => entry.name === 'chat');
    expect(chat?.triggers).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load-config.js';
import type { AppError } from '../../shared/errors/app-error.js';

function configError(environment: Record<string, string>, options?: { requireModel?: boolean }): AppError {
  try {
    loadConfig(environment, options);
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a configuration error');
}

describe('loadConfig', () => {
  it('runs locally with no settings at all: local files and the offline demo', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ onPlatform: false, storage: 'local', port: 5000 });
    expect(config.model.provider).toBe('offline');
    expect(config.dataDir).toMatch(/data$/);
    expect(config.limits).toMatchObject({
      maxMessageChars: 2000,
      maxHistoryItems: 50,
      chatDeadlineMs: 50_000,
    });
  });

  it('uses the provider once a key and model are given, with every tunable read', () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-real',
      LLM_MODEL: 'deepseek-chat',
      OPENAI_BASE_URL: 'https://api.deepseek.com/v1',
      LLM_STREAM: 'off',
      MAX_MESSAGE_CHARS: '500',
    });
    expect(config.model).toMatchObject({ provider: 'openai', model: 'deepseek-chat', stream: false });
    expect(config.limits.maxMessageChars).toBe(500);
  });

  it('defaults to CloudBase storage on the platform and never to the demo there', () => {
    const onPlatform = { TENCENTCLOUD_RUNENV: 'SCF', OPENAI_API_KEY: 'sk', LLM_MODEL: 'm' };
    expect(loadConfig(onPlatform).storage).toBe('cloudbase');
    const demo = configError({ ...onPlatform, LLM_PROVIDER: 'offline' });
    expect(demo.code).toBe('CONFIG_INVALID');
    expect(demo.message).toContain('LLM_PROVIDER');
    const noKey = configError({ TENCENTCLOUD_RUNENV: 'SCF' });
    expect(noKey.message).toContain('OPENAI_API_KEY');
    expect(noKey.message).toContain('LLM_MODEL');
  });

  it('treats empty strings as unset, as cloudbaserc renders a missing variable', () => {
    const config = loadConfig({ OPENAI_API_KEY: '', LLM_MODEL: '', PORT: '', LOG_LEVEL: '' });
    expect(config.model.provider).toBe('offline');
    expect(config.port).toBe(5000);
  });

  it('lists every bad key at once and never echoes a value', () => {
    const error = configError({
      PORT: 'eighty',
      LLM_TEMPERATURE: '9',
      STORAGE: 'redis',
      LLM_MAX_TOKENS: '1.5',
      OPENAI_BASE_URL: 'ftp://secret-host.example',
      OPENAI_API_KEY: 'sk-do-not-print',
    });
    for (const key of [
      'PORT',
      'LLM_TEMPERATURE',
      'STORAGE',
      'LLM_MAX_TOKENS',
      'OPENAI_BASE_URL',
      'LLM_MODEL',
    ]) {
      expect(error.message).toContain(key);
    }
    for (const value of ['eighty', 'redis', 'secret-host', 'sk-do-not-print']) {
      expect(error.message).not.toContain(value);
    }
  });

  it('drops the whitespace around a provider key and refuses one a header cannot carry or pasted in quotes, unechoed', () => {
    const model = { LLM_MODEL: 'deepseek-chat', LLM_FALLBACK_BASE_URL: 'https://b.example/v1' };
    const config = loadConfig({
      ...model,
      OPENAI_API_KEY: 'sk-pasted\n',
      LLM_FALLBACK_API_KEY: '  sk-fallback ',
      LLM_FALLBACK_MODEL: 'qwen-plus',
    });
    expect(config.model.apiKey).toBe('sk-pasted');
    expect(config.model.fallback?.apiKey).toBe('sk-fallback');
    const error = configError({
      ...model,
      OPENAI_API_KEY: 'sk-abc\ndef',
      LLM_FALLBACK_API_KEY: '"sk-quoted"',
    });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('OPENAI_API_KEY (wrong format)');
    expect(error.message).toContain('LLM_FALLBACK_API_KEY (wrong format)');
    expect(error.message).not.toContain('sk-abc');
  });

  it('checks the deadline budget and CloudBase settings off the platform', () => {
    expect(configError({ CHAT_DEADLINE_MS: '3000', STORAGE_RESERVE_MS: '3000' }).message).toContain(
      'STORAGE_RESERVE_MS',
    );
    expect(configError({ STORAGE: 'cloudbase' }).message).toContain('CLOUDBASE_ENV');
  });

  it('keeps the turn inside the 60 s function timeout and the final write inside its reserve', () => {
    expect(configError({ CHAT_DEADLINE_MS: '60000' }).message).toContain('CHAT_DEADLINE_MS');
    expect(configError({ CLOUDBASE_TIMEOUT_MS: '6000', STORAGE_RESERVE_MS: '5000' }).message).toContain(
      'CLOUDBASE_TIMEOUT_MS',
    );
  });

  it('requires CloudBase credentials off the platform, where the SDK would otherwise crash the process', () => {
    expect(configError({ STORAGE: 'cloudbase', CLOUDBASE_ENV: 'env-1' }).message).toContain(
      'CLOUDBASE_SECRET_ID',
    );
    const withKeys = { STORAGE: 'cloudbase', CLOUDBASE_ENV: 'env-1' };
    expect(loadConfig({ ...withKeys, CLOUDBASE_SECRET_ID: 'id', CLOUDBASE_SECRET_KEY: 'key' }).storage).toBe(
      'cloudbase',
    );
    expect(
      loadConfig({ ...withKeys, TENCENTCLOUD_SECRETID: 'id', TENCENTCLOUD_SECRETKEY: 'key' }).storage,
    ).toBe('cloudbase');
  });

  it('lets a function that never calls the model start without the model settings', () => {
    expect(loadConfig({ TENCENTCLOUD_RUNENV: 'SCF' }, { requireModel: false }).storage).toBe('cloudbase');
  });

  it('limits each user to 10 messages a minute, 200 a day and 200,000 model tokens a day by default', () => {
    const config = loadConfig({});
    expect(config.usageLimits).toEqual({ messagesPerMinute: 10, messagesPerDay: 200, tokensPerDay: 200_000 });
    expect(config.cloudbase.usageCollection).toBe('chat_usage');
    expect(config.cloudbase.collection).toBe('chat_sessions');
  });

  it('reads the usage limits, with 0 turning a limit off, and the usage collection', () => {
    const config = loadConfig({
      RATE_LIMIT_PER_MINUTE: '0',
      DAILY_MESSAGE_QUOTA: '50',
      DAILY_TOKEN_QUOTA: '0',
      CLOUDBASE_USAGE_COLLECTION: 'usage_v2',
    });
    expect(config.usageLimits).toEqual({ messagesPerMinute: 0, messagesPerDay: 50, tokensPerDay: 0 });
    expect(config.cloudbase.usageCollection).toBe('usage_v2');
    // cloudbaserc renders an unset variable as "": the default applies.
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '', CLOUDBASE_USAGE_COLLECTION: '' })).toMatchObject({
      usageLimits: { messagesPerMinute: 10 },
      cloudbase: { usageCollection: 'chat_usage' },
    });
  });

  it('names every bad usage setting, and refuses one collection for both sessions and usage', () => {
    const error = configError({
      RATE_LIMIT_PER_MINUTE: '-1',
      DAILY_MESSAGE_QUOTA: '2.5',
      DAILY_TOKEN_QUOTA: 'lots',
      CLOUDBASE_USAGE_COLLECTION: 'usage.v2',
    });
    expect(error.code).toBe('CONFIG_INVALID');
    for (const key of [
      'RATE_LIMIT_PER_MINUTE',
      'DAILY_MESSAGE_QUOTA',
      'DAILY_TOKEN_QUOTA',
      'CLOUDBASE_USAGE_COLLECTION',
    ]) {
      expect(error.message).toContain(key);
    }
    expect(error.message).not.toContain('lots');
    expect(configError({ CLOUDBASE_USAGE_COLLECTION: 'chat_sessions' }).message).toContain(
      'CLOUDBASE_USAGE_COLLECTION (must differ from CLOUDBASE_COLLECTION)',
    );
  });

  it('keeps the shape every caller reads: the same groups and property paths', () => {
    const config = loadConfig({});
    const paths = (value: object, prefix = ''): string[] =>
      Object.entries(value).flatMap(([key, inner]) =>
        inner !== null && typeof inner === 'object' && !Array.isArray(inner)
          ? paths(inner, `${prefix}${key}.`)
          : [`${prefix}${key}`],
      );
    expect(paths(config).sort()).toEqual(
      [
        'onPlatform',
        'storage',
        'dataDir',
        'promptDir',
        'port',
        'host',
        'logLevel',
        'aiLabelText',
        'retentionDays',
        'model.provider',
        'model.baseUrl',
        'model.apiKey',
        'model.model',
        'model.stream',
        'model.maxTokens',
        'model.temperature',
        'model.idleTimeoutMs',
        'model.maxAttempts',
        'model.maxRetryWaitMs',
        'model.fallback',
        'cloudbase.envId',
        'cloudbase.serviceUrl',
        'cloudbase.secretId',
        'cloudbase.secretKey',
        'cloudbase.collection',
        'cloudbase.timeoutMs',
        'cloudbase.usageCollection',
        'cloudbase.memoryCollection',
        'usageLimits.messagesPerMinute',
        'usageLimits.messagesPerDay',
        'usageLimits.tokensPerDay',
        'limits.chatDeadlineMs',
        'limits.storageReserveMs',
        'limits.maxMessageChars',
        'limits.maxHistoryItems',
        'limits.maxHistoryItemChars',
        'limits.maxRequestBytes',
        'limits.contextMaxMessages',
        'limits.contextTokenBudget',
        'limits.crisisJudgeWaitMs',
        'limits.maxSessionMessages',
        'contentCheck.wechat',
        'contentCheck.review',
        'contentCheck.onFailure',
        'contentCheck.timeoutMs',
        'auth.secret',
        'auth.ttlSeconds',
        'crisisCare.judge.enabled',
        'crisisCare.judge.model',
        'crisisCare.judge.timeoutMs',
        'crisisCare.calmTurns',
      ].sort(),
    );
    const fallback = loadConfig({
      LLM_FALLBACK_BASE_URL: 'https://api.example.com/v1',
      LLM_FALLBACK_API_KEY: 'sk-2',
      LLM_FALLBACK_MODEL: 'm2',
    }).model.fallback;
    expect(fallback).toEqual({ baseUrl: 'https://api.example.com/v1', apiKey: 'sk-2', model: 'm2' });
    expect(configError({ LLM_FALLBACK_MODEL: 'm2' }).message).toContain(
      'LLM_FALLBACK_BASE_URL, LLM_FALLBACK_API_KEY (the fallback provider needs all three',
    );
  });

  it('turns the crisis judge on with a real provider and off for the offline demo, unless told', () => {
    expect(loadConfig({}).crisisCare.judge.enabled).toBe(false);
    const real = { OPENAI_API_KEY: 'sk-1', LLM_MODEL: 'm1' };
    expect(loadConfig(real).crisisCare).toEqual({
      judge: { enabled: true, model: undefined, timeoutMs: 3000 },
      calmTurns: 3,
    });
    const told = loadConfig({
      ...real,
      CRISIS_JUDGE: 'off',
      CRISIS_JUDGE_MODEL: 'small',
      CRISIS_CALM_TURNS: '0',
    });
    expect(told.crisisCare).toEqual({
      judge: { enabled: false, model: 'small', timeoutMs: 3000 },
      calmTurns: 0,
    });
    expect(configError({ ...real, CRISIS_JUDGE_TIMEOUT_MS: '50' }).message).toContain(
      'CRISIS_JUDGE_TIMEOUT_MS',
    );
    expect(configError({ ...real, CRISIS_CALM_TURNS: '11' }).message).toContain('CRISIS_CALM_TURNS');
  });

  it("checks the chat turn's time budget only in a function that runs chat turns", () => {
    // History is deployed without STORAGE_RESERVE_MS: its own CLOUDBASE_TIMEOUT_MS is not held against it.
    const history = loadConfig({ CLOUDBASE_TIMEOUT_MS: '6000' }, { requireModel: false });
    expect(history.cloudbase.timeoutMs).toBe(6000);
    expect(configError({ CLOUDBASE_TIMEOUT_MS: '6000' }).message).toContain('CLOUDBASE_TIMEOUT_MS');
    // The collections must differ in both functions.
    expect(
      configError({ CLOUDBASE_USAGE_COLLECTION: 'chat_sessions' }, { requireModel: false }).message,
    ).toContain('CLOUDBASE_USAGE_COLLECTION');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OUTPUT_ROOT, FUNCTION_NAMES, HTTP_FUNCTION_NAMES } from '../../scripts/build.js';
import { environmentSchema } from '../../shared/config/environment-schema.js';
import { loadConfig } from '../../shared/config/load-config.js';

interface FunctionEntry {
  name: string;
  type?: string;
  runtime: string;
  timeout: number;
  installDependency: boolean;
  handler: string;
  envVariables: Record<string, string>;
}
const deployment = JSON.parse(readFileSync('cloudbaserc.json', 'utf8')) as {
  functionRoot: string;
  functions: FunctionEntry[];
};
const knownKeys = Object.keys(environmentSchema.shape);

describe('cloudbaserc.json', () => {
  it('deploys each built function, bundled, on Node 20, from the build output', () => {
    expect(deployment.functionRoot).toBe(`./${DEFAULT_OUTPUT_ROOT}`);
    expect(deployment.functions.map((entry) => entry.name).sort()).toEqual(
      [...FUNCTION_NAMES, ...HTTP_FUNCTION_NAMES].sort(),
    );
    for (const entry of deployment.functions) {
      expect(entry).toMatchObject({ runtime: 'Nodejs20.19', installDependency: false });
      // An HTTP function has no handler: its scf_bootstrap starts the functions framework.
      if ((HTTP_FUNCTION_NAMES as readonly string[]).includes(entry.name)) expect(entry.type).toBe('HTTP');
      else expect(entry).toMatchObject({ handler: 'index.main' });
    }
  });

  it('gives chat-stream the chat settings, and the same timeout as chat', () => {
    const chat = deployment.functions.find((entry) => entry.name === 'chat');
    const stream = deployment.functions.find((entry) => entry.name === 'chat-stream');
    expect(stream?.timeout).toBe(chat?.timeout);
    expect(Object.keys(stream?.envVariables ?? {})).toEqual(
      expect.arrayContaining([...Object.keys(chat?.envVariables ?? {}), 'CRISIS_JUDGE_WAIT_MS']),
    );
  });

  it('gives chat a timeout its default deadline fits inside, with room for a cold start', () => {
    const chat = deployment.functions.find((entry) => entry.name === 'chat');
    const deadlineMs = loadConfig({ OPENAI_API_KEY: 'sk', LLM_MODEL: 'm' }).limits.chatDeadlineMs;
    expect(chat?.timeout).toBe(60);
    expect(deadlineMs).toBeLessThanOrEqual((chat?.timeout ?? 0) * 1000 - 5_000);
  });

  it('passes only keys the service reads, each templated from the same name, and no secret to history', () => {
    for (const entry of deployment.functions) {
      for (const [key, value] of Object.entries(entry.envVariables)) {
        expect(knownKeys).toContain(key);
        expect(value).toBe(`{{env.${key}}}`);
      }
    }
    const history = deployment.functions.find((entry) => entry.name === 'history');
    expect(Object.keys(history?.envVariables ?? {}).filter((key) => key.includes('KEY'))).toEqual([]);
  });

  it('passes the per-user limits and the usage collection to chat', () => {
    const chat = deployment.functions.find((entry) => entry.name === 'chat');
    expect(Object.keys(chat?.envVariables ?? {})).toEqual(
      expect.arrayContaining([
        'RATE_LIMIT_PER_MINUTE',
        'DAILY_MESSAGE_QUOTA',
        'DAILY_TOKEN_QUOTA',
        'CLOUDBASE_USAGE_COLLECTION',
      ]),
    );
  });

  it('passes the failover, content-security, token and AI-label settings, and the token secret to history too', () => {
    const chat = deployment.functions.find((entry) => entry.name === 'chat');
    const history = deployment.functions.find((entry) => entry.name === 'history');
    expect(Object.keys(chat?.envVariables ?? {})).toEqual(
      expect.arrayContaining([
        'LLM_FALLBACK_BASE_URL',
        'LLM_FALLBACK_API_KEY',
        'LLM_FALLBACK_MODEL',
        'MSG_SEC_CHECK',
        'MSG_SEC_CHECK_REVIEW',
        'MSG_SEC_CHECK_ON_FAILURE',
        'AUTH_TOKEN_SECRET',
        'AUTH_TOKEN_TTL_SECONDS',
        'AI_LABEL_TEXT',
      ]),
    );
    // The HTTP path of history checks the same bearer tokens chat mints.
    expect(Object.keys(history?.envVariables ?? {})).toContain('AUTH_TOKEN_SECRET');
  });
});

import type { Environment } from '../../shared/config/load-config.js';
import { createLogger, type Logger } from '../../shared/logging/logger.js';
import { type CloudbaseEmulator, startCloudbaseEmulator } from '../fakes/cloudbase-database-emulator.js';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../fakes/fake-openai-server.js';

export const TEST_COLLECTION = 'chat_sessions';
/** The usage counters' collection (the default name), created with the sessions' one. */
export const TEST_USAGE_COLLECTION = 'chat_usage';
/** The memories' collection (the default name), created with the sessions' one. */
export const TEST_MEMORY_COLLECTION = 'chat_memories';

export interface TestServices {
  emulator: CloudbaseEmulator;
  model: FakeOpenAiServer;
  /** Environment for the functions: CloudBase storage on the emulator, the model on the fake server. */
  environment(extra?: Record<string, string>): Environment;
  close(): Promise<void>;
}

export async function startTestServices(): Promise<TestServices> {
  const emulator = await startCloudbaseEmulator();
  const model = await startFakeOpenAiServer();
  emulator.createCollection(TEST_COLLECTION);
  emulator.createCollection(TEST_USAGE_COLLECTION);
  emulator.createCollection(TEST_MEMORY_COLLECTION);
  return {
    emulator,
    model,
    environment: (extra = {}) => ({
      STORAGE: 'cloudbase',
      CLOUDBASE_ENV: emulator.envId,
      CLOUDBASE_SERVICE_URL: emulator.url,
      CLOUDBASE_SECRET_ID: 'test-secret-id',
      CLOUDBASE_SECRET_KEY: 'test-secret-key',
      CLOUDBASE_COLLECTION: TEST_COLLECTION,
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: model.apiKey,
      LLM_MODEL: 'test-model',
      LOG_LEVEL: 'debug',
      // Limits are off unless a test is about them: many tests send more than 10 messages a minute.
      RATE_LIMIT_PER_MINUTE: '0',
      DAILY_MESSAGE_QUOTA: '0',
      DAILY_TOKEN_QUOTA: '0',
      ...extra,
    }),
    close: async () => {
      await Promise.all([emulator.close(), model.close()]);
    },
  };
}

/** Environment for the functions with the local file adapter in `dataDir` and the fake model. */
export function localEnvironment(
  model: FakeOpenAiServer,
  dataDir: string,
  extra: Record<string, string> = {},
): Environment {
  return {
    STORAGE: 'local',
    DATA_DIR: dataDir,
    OPENAI_BASE_URL: model.baseUrl,
    OPENAI_API_KEY: model.apiKey,
    LLM_MODEL: 'test-model',
    RATE_LIMIT_PER_MINUTE: '0',
    DAILY_MESSAGE_QUOTA: '0',
    DAILY_TOKEN_QUOTA: '0',
    ...extra,
  };
}

/** A logger that keeps its lines, so tests can check what would reach the log console. */
export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('debug', (line) => lines.push(line)), lines };
}

/** A clock that moves only when told to, so stored timestamps are predictable. */
export function steppingClock(startIso = '2026-01-02T03:04:05.000Z', stepMs = 10): () => Date {
  let now = Date.parse(startIso);
  return () => {
    const current = new Date(now);
    now += stepMs;
    return current;
  };
}

export function sequentialIds(prefix = 'msg_test_'): () => string {
  let next = 0;
  return () => {
    next += 1;
    return `${prefix}${next}`;
  };
}

/** The old-architecture SCF context of a call from a mini-program, as the platform passes it. */
export function weChatContext(openId: string): Record<string, unknown> {
  return {
    request_id: 'test-request',
    function_name: 'chat',
    function_version: '$LATEST',
    namespace: 'test-env',
    memory_limit_in_mb: 256,
    time_limit_in_ms: 60_000,
    environ: `WX_OPENID=${openId};WX_APPID=wx_test_app;WX_CONTEXT_KEYS=WX_OPENID,WX_APPID;TRIGGER_SRC=tcb`,
  };
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Environment } from '../../shared/config/load-config.js';
import {
  TEST_COLLECTION,
  TEST_MEMORY_COLLECTION,
  TEST_USAGE_COLLECTION,
  type TestServices,
} from './test-services.js';

export interface AdapterUnderTest {
  name: 'cloudbase' | 'local';
  environment(extra?: Record<string, string>): Environment;
  /** Fresh storage for the next test. */
  reset(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * The two storage adapters as function tests use them: the CloudBase emulator (through the real SDK)
 * and a temporary DATA_DIR, so one scenario can run against both with `describe.each`.
 */
export function adaptersUnderTest(services: () => TestServices): AdapterUnderTest[] {
  let dataDir: string | undefined;
  const local: AdapterUnderTest = {
    name: 'local',
    environment: (extra = {}) => {
      if (dataDir === undefined) throw new Error('reset() the local adapter first');
      const { model } = services();
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
    },
    reset: async () => {
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
      dataDir = await mkdtemp(path.join(tmpdir(), 'zhiji-adapter-'));
    },
    cleanup: async () => {
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
  const cloudbase: AdapterUnderTest = {
    name: 'cloudbase',
    environment: (extra = {}) => services().environment(extra),
    reset: async () => {
      services().emulator.reset();
      services().emulator.createCollection(TEST_COLLECTION);
      services().emulator.createCollection(TEST_USAGE_COLLECTION);
      services().emulator.createCollection(TEST_MEMORY_COLLECTION);
    },
    cleanup: async () => {},
  };
  return [cloudbase, local];
}

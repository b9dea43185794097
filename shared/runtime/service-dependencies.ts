import { randomBytes } from 'node:crypto';
import { openOnFirstUse } from '../cloudbase/cloudbase-collection.js';
import { type Config, type Environment, loadConfig } from '../config/load-config.js';
import type { UsageStore } from '../limits/usage-store.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMemoryStore } from '../memory/create-memory-store.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { ChatModel } from '../model/chat-model.js';
import { loadPromptAssets, type PromptAssets, resolvePromptDir } from '../prompt/load-prompt-assets.js';
import { createSessionStore } from '../storage/create-session-store.js';
import type { SessionStore } from '../storage/session-store.js';

export interface ServiceDependencies {
  config: Config;
  store: SessionStore;
  /** The users' memories (知己档案), on the same backend and database handle as the sessions. */
  memory: MemoryStore;
  /** Replaces the configured model (tests); the chat endpoint otherwise builds it on first use. */
  modelOverride: ChatModel | undefined;
  /** Replaces the configured usage counters (tests); the chat endpoint otherwise builds them on first use. */
  usageStore: UsageStore | undefined;
  prompt: PromptAssets;
  logger: Logger;
  clock: () => Date;
  ids: () => string;
}

/** Message ids: a prefix the original service used, then 80 random bits (no ordering or user info in them). */
export function generateMessageId(): string {
  return `msg_${randomBytes(10).toString('hex')}`;
}

/** Everything a function needs, built once per warm instance from the environment. */
export function buildServiceDependencies(
  environment: Environment,
  overrides: Partial<Omit<ServiceDependencies, 'config' | 'modelOverride'>> & { model?: ChatModel } = {},
  options: { requireModel?: boolean } = {},
): ServiceDependencies {
  const config = loadConfig(environment, options);
  const prompt = overrides.prompt ?? loadPromptAssets(resolvePromptDir(config.promptDir));
  // One CloudBase handle for the sessions and the memory, opened on first use.
  const database = openOnFirstUse(config.cloudbase);
  return {
    config,
    prompt,
    store: overrides.store ?? createSessionStore(config, { database }),
    memory: overrides.memory ?? createMemoryStore(config, { database }),
    modelOverride: overrides.model,
    usageStore: overrides.usageStore,
    logger: overrides.logger ?? createLogger(config.logLevel),
    clock: overrides.clock ?? (() => new Date()),
    ids: overrides.ids ?? generateMessageId,
  };
}

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import type { SessionStore } from '../../shared/storage/session-store.js';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../fakes/fake-openai-server.js';
import { localEnvironment, recordingLogger } from '../support/test-services.js';

const DEADLINE_MS = 1_500;
const LATENESS_MS = 700;
let model: FakeOpenAiServer;
let dataDir: string;

beforeAll(async () => {
  model = await startFakeOpenAiServer();
});
afterAll(async () => {
  await model.close();
});
beforeEach(async () => {
  model.reset();
  dataDir = await mkdtemp(path.join(tmpdir(), 'zhiji-slow-'));
  return () => rm(dataDir, { recursive: true, force: true });
});

function chatWith(overrides: { store?: SessionStore } = {}) {
  const environment = localEnvironment(model, dataDir, {
    CHAT_DEADLINE_MS: String(DEADLINE_MS),
    STORAGE_RESERVE_MS: '500',
    CLOUDBASE_TIMEOUT_MS: '500',
    // About storage against the deadline: the crisis judge's call would only add load.
    CRISIS_JUDGE: 'off',
  });
  return createFunctionHandler(chatEndpoint, {
    environment,
    overrides: { logger: recordingLogger().logger, ...overrides },
  });
}

async function timedTurn(chat: ReturnType<typeof chatWith>) {
  const startedAt = Date.now();
  const reply = (await chat({ user_id: 'u1', session_id: 's1', message: '你在吗' })) as {
    error?: { code: string };
  };
  return { reply, elapsedMs: Date.now() - startedAt };
}

/** A store whose chosen call never settles, as a database that accepted the request and went quiet. */
function stallingStore(stalls: 'getSession' | 'beginTurn' | 'finishTurn'): SessionStore {
  const never = new Promise<never>(() => {});
  return {
    getSession: async () => (stalls === 'getSession' ? never : undefined),
    beginTurn: async () => (stalls === 'beginTurn' ? never : { started: true }),
    finishTurn: async () => (stalls === 'finishTurn' ? never : true),
    findTurn: async () => undefined,
    claimTurn: async () => false,
    listSessions: async () => [],
    exportSessions: async () => [],
    deleteSession: async () => false,
    deleteAllSessions: async () => 0,
    deleteSessionsUpdatedBefore: async () => 0,
    setSessionTitle: async () => false,
    recordFeedback: async () => ({ status: 'not_found' }),
  };
}

describe('the turn ends within its deadline whatever storage does', () => {
  it.each(['getSession', 'beginTurn', 'finishTurn'] as const)('when %s never answers', async (stalls) => {
    const { reply, elapsedMs } = await timedTurn(chatWith({ store: stallingStore(stalls) }));
    expect(reply.error?.code).toBe('STORAGE_UNAVAILABLE');
    expect(elapsedMs).toBeLessThan(DEADLINE_MS + LATENESS_MS);
  });

  it('when another live process holds the session lock longer than the turn may wait', async () => {
    // The lock file names a process that is alive (this test's parent) and was just taken, so the
    // adapter keeps waiting for it (up to 10 s); only the turn's own deadline can end the wait.
    await mkdir(path.join(dataDir, 'u1'), { recursive: true });
    await writeFile(path.join(dataDir, 'u1', 's1.json.lock'), `${process.ppid}:${Date.now()}:held-elsewhere`);
    const { reply, elapsedMs } = await timedTurn(chatWith());
    expect(reply.error?.code).toBe('STORAGE_UNAVAILABLE');
    expect(elapsedMs).toBeLessThan(DEADLINE_MS + LATENESS_MS);
  });
});

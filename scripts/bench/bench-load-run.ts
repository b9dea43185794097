/**
 * The bench's load run (issue 5): 200 chat turns from 20 users at once, each user sending one message
 * after another as a person does, 1 in 10 sends doubled (a retry with the same client_msg_id while the
 * first is still running). Every turn goes through the chat function, the real openai SDK (against the
 * loopback fake, answering at once) and the real storage adapter; afterwards every session is read back
 * and checked: each acknowledged message stored exactly once, with exactly one reply after it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../shared/config/load-config.js';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { createSessionStore } from '../../shared/storage/create-session-store.js';
import {
  TEST_COLLECTION,
  TEST_MEMORY_COLLECTION,
  TEST_USAGE_COLLECTION,
  type TestServices,
} from '../../tests/support/test-services.js';

const USERS = 20;
const TURNS_PER_USER = 10;
const dialoguesPath = path.resolve('../shared/data/dialogues/smile-dev.jsonl');

/** The team's own messages, plus real counselling user turns when the reference data sits beside us. */
export function loadRunMessages(): { messages: string[]; source: string } {
  const own = (
    JSON.parse(readFileSync(new URL('./bench-data/load-messages.json', import.meta.url), 'utf8')) as {
      messages: string[];
    }
  ).messages;
  if (!existsSync(dialoguesPath)) return { messages: own, source: 'team-written fixtures' };
  const fromDialogues: string[] = [];
  for (const line of readFileSync(dialoguesPath, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { turns?: { role?: string; content?: string }[] };
    for (const turn of record.turns ?? []) {
      if (turn.role === 'user' && typeof turn.content === 'string' && turn.content.length <= 2_000) {
        fromDialogues.push(turn.content);
      }
    }
    if (fromDialogues.length >= 2_000) break;
  }
  return fromDialogues.length > 0
    ? {
        messages: [...own, ...fromDialogues],
        source: `team-written fixtures + ${fromDialogues.length} SMILE user turns`,
      }
    : { messages: own, source: 'team-written fixtures' };
}

export async function measureLoadRun(storage: 'local' | 'cloudbase', services: TestServices) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zhiji-load-'));
  services.emulator.reset();
  services.emulator.createCollection(TEST_COLLECTION);
  services.emulator.createCollection(TEST_USAGE_COLLECTION);
  services.emulator.createCollection(TEST_MEMORY_COLLECTION);
  services.model.reset();
  services.model.setDefault((body) => {
    const last = (body.messages as { content: string }[]).at(-1)?.content ?? '';
    return { kind: 'reply', content: `[caring] 我听到你说的了（${last.length}字）。` };
  });
  const environment = services.environment({ STORAGE: storage, DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const chat = createFunctionHandler(chatEndpoint, {
    environment,
    overrides: { logger: createLogger('silent') },
  });
  const { messages, source } = loadRunMessages();
  const latencies: number[] = [];
  const acknowledged: { userId: string; clientMessageId: string; messageId: string; content: string }[] = [];
  let failures = 0;

  const doubledLatencies: number[] = [];
  const send = async (userId: string, content: string, clientMessageId: string, resend = false) => {
    const started = performance.now();
    const reply = (await chat({
      user_id: userId,
      session_id: 'load',
      message: content,
      client_msg_id: clientMessageId,
    })) as {
      message_id?: string;
      error?: unknown;
    };
    (resend ? doubledLatencies : latencies).push(performance.now() - started);
    if (reply.message_id === undefined) failures += 1;
    return reply.message_id;
  };

  const started = performance.now();
  await Promise.all(
    Array.from({ length: USERS }, async (_, user) => {
      const userId = `load_user_${user}`;
      for (let turn = 0; turn < TURNS_PER_USER; turn += 1) {
        const content = messages[(user * TURNS_PER_USER + turn * 7) % messages.length] ?? '你好';
        const clientMessageId = `${userId}_${turn}`;
        const doubled = (user + turn) % 10 === 0;
        const sends = doubled
          ? [send(userId, content, clientMessageId), send(userId, content, clientMessageId, true)]
          : [send(userId, content, clientMessageId)];
        const ids = await Promise.all(sends);
        if (doubled && ids[0] !== ids[1])
          throw new Error(`a doubled send got two replies (${clientMessageId})`);
        if (ids[0] !== undefined) acknowledged.push({ userId, clientMessageId, messageId: ids[0], content });
      }
    }),
  );
  const elapsedMs = performance.now() - started;

  // Read back through the adapter: nothing lost, nothing twice, each reply after its own question.
  const store = createSessionStore(loadConfig(environment));
  let lost = 0;
  let duplicated = 0;
  let misordered = 0;
  for (let user = 0; user < USERS; user += 1) {
    const session = await store.getSession({ userId: `load_user_${user}`, sessionId: 'load' });
    const stored = session?.messages ?? [];
    for (const turn of acknowledged.filter((entry) => entry.userId === `load_user_${user}`)) {
      const questions = stored.filter((message) => message.client_msg_id === turn.clientMessageId);
      const replies = stored.filter((message) => message.message_id === turn.messageId);
      if (questions.length === 0 || replies.length === 0) lost += 1;
      if (questions.length > 1 || replies.length > 1) duplicated += 1;
      const question = questions[0];
      if (
        question !== undefined &&
        (question.content !== turn.content ||
          stored.indexOf(question) > stored.indexOf(replies[0] ?? question))
      ) {
        misordered += 1;
      }
    }
    const userIds = stored
      .filter((message) => message.role === 'user')
      .map((message) => message.client_msg_id);
    duplicated += userIds.length - new Set(userIds).size;
  }
  await store.close?.();
  await rm(dataDir, { recursive: true, force: true });
  const sorted = [...latencies].sort((left, right) => left - right);
  const at = (fraction: number) =>
    Number((sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0).toFixed(1));
  return {
    users: USERS,
    turns: USERS * TURNS_PER_USER,
    sends: latencies.length + doubledLatencies.length,
    messages_from: source,
    acknowledged: acknowledged.length,
    failed_sends: failures,
    lost,
    duplicated,
    misordered,
    model_calls: services.model.requests().length,
    turns_per_second: Number(((USERS * TURNS_PER_USER) / (elapsedMs / 1000)).toFixed(1)),
    overhead_p50_ms: at(0.5),
    overhead_p95_ms: at(0.95),
    overhead_p99_ms: at(0.99),
    // A doubled send waits for the first (polling the stored turn), so it is timed apart.
    doubled_send_p50_ms: Number(median(doubledLatencies).toFixed(1)),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

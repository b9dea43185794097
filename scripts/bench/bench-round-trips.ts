/**
 * Database requests of a warm chat turn on CloudBase, through main() against the emulator with every
 * request answered `delayMs` late: how many requests a turn makes, and how many of them it waits for
 * one after another ("in sequence": the longest chain of requests each starting after the previous one
 * ended; requests made side by side overlap and count once). Limits are on, so the usage count and the
 * token record are part of the turn, as in production.
 *
 * Three users: memory off (never turned on: the warm instance remembers it is off and skips its read),
 * memory on (its read is one more request beside the session read), and memory on with a model that
 * proposes a title and an item on the measured turn (the session's second, where proposals are asked
 * for: each stored proposal kind is one more request beside the commit write).
 */
import { performance } from 'node:perf_hooks';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createLogger } from '../../shared/logging/logger.js';
import type { ChatModel } from '../../shared/model/chat-model.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import type { TimedRequestRecord } from '../../tests/fakes/cloudbase-database-emulator.js';
import { PROPOSAL_MARKER } from '../../tests/fakes/fake-openai-server.js';
import {
  TEST_COLLECTION,
  TEST_MEMORY_COLLECTION,
  TEST_USAGE_COLLECTION,
  type TestServices,
} from '../../tests/support/test-services.js';

/** Answers at once; proposes a title and an item only when `proposes`. */
function instantModel(proposes: boolean): ChatModel {
  return {
    provider: 'openai',
    complete: async (attempt) => ({
      text:
        proposes && attempt.messages[0]?.content.includes(PROPOSAL_MARKER) === true
          ? '{"title": "睡不好", "memory": ["最近总是睡不好"]}'
          : '[caring] 我在这里陪着你。',
      usage: { promptTokens: 12, completionTokens: 8 },
    }),
  };
}

export type MemoryCase = 'off' | 'on' | 'on_stored';

/** The longest chain of requests in which each starts after the one before it was answered. */
export function requestsInSequence(requests: readonly TimedRequestRecord[]): number {
  const sorted = [...requests].sort((left, right) => left.startedAt - right.startedAt);
  const chain: number[] = [];
  for (const [index, request] of sorted.entries()) {
    let longest = 0;
    for (let before = 0; before < index; before += 1) {
      const earlier = sorted[before];
      if (earlier !== undefined && earlier.endedAt <= request.startedAt)
        longest = Math.max(longest, chain[before] ?? 0);
    }
    chain.push(longest + 1);
  }
  return Math.max(0, ...chain);
}

export async function measureRoundTrips(
  services: TestServices,
  options: { turns: number; delayMs: number; memory: MemoryCase },
) {
  services.emulator.reset();
  services.emulator.createCollection(TEST_COLLECTION);
  services.emulator.createCollection(TEST_USAGE_COLLECTION);
  services.emulator.createCollection(TEST_MEMORY_COLLECTION);
  const environment = services.environment({
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000',
    DAILY_MESSAGE_QUOTA: '100000',
    DAILY_TOKEN_QUOTA: '100000000',
  });
  const chat = createFunctionHandler(chatEndpoint, {
    environment,
    overrides: { model: instantModel(options.memory === 'on_stored'), logger: createLogger('silent') },
  });
  const userId = `bench_trips_${options.memory}`;
  if (options.memory !== 'off') {
    const history = createFunctionHandler(historyEndpoint, {
      environment,
      overrides: { logger: createLogger('silent') },
    });
    await history({ user_id: userId, action: 'memory_settings', enabled: true });
  }
  const send = async (sessionId: string, index: number) => {
    const reply = (await chat({
      user_id: userId,
      session_id: sessionId,
      message: `第${index}句：最近总是睡不好，心里很乱。`,
      client_msg_id: `bench_${sessionId}_${index}`,
    })) as { error?: unknown };
    if (reply.error !== undefined) throw new Error(`bench turn failed: ${JSON.stringify(reply.error)}`);
  };
  // Warm: the instance has opened the database and the day's usage document exists.
  await send('trips_warmup', 0);
  services.emulator.setRequestDelay(options.delayMs);
  const perTurn: { requests: number; inSequence: number; ms: number }[] = [];
  for (let index = 0; index < options.turns; index += 1) {
    // Each measured turn continues a session of one earlier turn, the common case.
    const sessionId = `trips_${index}`;
    services.emulator.setRequestDelay(0);
    await send(sessionId, 0);
    services.emulator.setRequestDelay(options.delayMs);
    services.emulator.resetCounters();
    const started = performance.now();
    await send(sessionId, 1);
    const ms = performance.now() - started;
    const requests = services.emulator.timedRequests();
    perTurn.push({ requests: requests.length, inSequence: requestsInSequence(requests), ms });
  }
  services.emulator.setRequestDelay(0);
  const mean = (values: number[]) =>
    Number((values.reduce((sum, value) => sum + value, 0) / values.length).toFixed(2));
  const sortedMs = perTurn.map((turn) => turn.ms).sort((left, right) => left - right);
  return {
    memory: options.memory,
    turns: perTurn.length,
    request_delay_ms: options.delayMs,
    requests_per_turn: mean(perTurn.map((turn) => turn.requests)),
    requests_per_turn_max: Math.max(...perTurn.map((turn) => turn.requests)),
    in_sequence_per_turn: mean(perTurn.map((turn) => turn.inSequence)),
    in_sequence_per_turn_max: Math.max(...perTurn.map((turn) => turn.inSequence)),
    turn_p50_ms: Number((sortedMs[Math.floor(sortedMs.length / 2)] ?? Number.NaN).toFixed(1)),
  };
}

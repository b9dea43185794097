/**
 * A chat function instance on the local file adapter, for local-crash-safety.test.ts to kill at random
 * moments. It runs real turns through the real `chat` handler (offline demo model, so no network):
 *
 *   node --import tsx local-crash-worker.ts <dataDir> <workerName> <lanes> [turnsPerLane]
 *
 * (the test runs it bundled by tests/support/bundled-worker.ts: the same code, a faster start).
 *
 * `lanes` turns are in flight at any time, spread over the sessions below (two users, so two owners'
 * directories and the shared index are written). Without `turnsPerLane` it runs until it is killed.
 *
 * Protocol on stdout, one JSON object per line:
 * - `{"ready": true, "pid": n}` once the instance is warm (after one turn of its own when it runs until
 *   killed), just before the concurrent turns start;
 * - `{"ack": {...}}` after a turn resolved successfully: the acknowledgement the test holds it to.
 * A turn that ends in an error is reported on stderr as `{"failed": {...}}` and makes the exit code 1.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';

export const CRASH_SESSIONS: readonly { userId: string; sessionId: string }[] = [
  { userId: 'crash_a', sessionId: 's0' },
  { userId: 'crash_a', sessionId: 's1' },
  { userId: 'crash_a', sessionId: 's2' },
  { userId: 'crash_b', sessionId: 's0' },
];

export interface CrashAck {
  user_id: string;
  session_id: string;
  client_msg_id: string;
  message: string;
  user_message_id: string;
  message_id: string;
  content: string;
}

/** The text of a worker's turn: the test checks the stored question by it. */
export function crashMessage(clientMsgId: string): string {
  return `第 ${clientMsgId} 句：今天有点累`;
}

async function run(): Promise<void> {
  const [dataDir, workerName, lanesText, turnsText] = process.argv.slice(2);
  if (dataDir === undefined || workerName === undefined || lanesText === undefined) {
    throw new Error('usage: local-crash-worker.ts <dataDir> <workerName> <lanes> [turnsPerLane]');
  }
  const turnsPerLane = turnsText === undefined ? Number.POSITIVE_INFINITY : Number(turnsText);
  const main = createFunctionHandler(chatEndpoint, {
    environment: {
      STORAGE: 'local',
      DATA_DIR: dataDir,
      LLM_PROVIDER: 'offline',
      CHAT_DEADLINE_MS: '20000',
      MAX_SESSION_MESSAGES: '100000',
      // Per-user limits off: the worker sends far more than a person would.
      RATE_LIMIT_PER_MINUTE: '0',
      DAILY_MESSAGE_QUOTA: '0',
      DAILY_TOKEN_QUOTA: '0',
    },
    overrides: { logger: createLogger('silent') },
  });

  let next = 0;
  let failures = 0;
  async function turn(): Promise<void> {
    const index = next;
    next += 1;
    const session = CRASH_SESSIONS[index % CRASH_SESSIONS.length];
    if (session === undefined) throw new Error('no sessions');
    const clientMsgId = `${workerName}-${index}`;
    const message = crashMessage(clientMsgId);
    const reply = (await main({
      user_id: session.userId,
      session_id: session.sessionId,
      message,
      client_msg_id: clientMsgId,
    })) as Record<string, unknown>;
    if (reply.error !== undefined || typeof reply.message_id !== 'string') {
      failures += 1;
      process.stderr.write(`${JSON.stringify({ failed: { client_msg_id: clientMsgId, reply } })}\n`);
      return;
    }
    const ack: CrashAck = {
      user_id: session.userId,
      session_id: session.sessionId,
      client_msg_id: clientMsgId,
      message,
      user_message_id: String(reply.user_message_id),
      message_id: reply.message_id,
      content: String(reply.content),
    };
    // Writes to a pipe are synchronous on Linux: once this returns, the line is the parent's.
    process.stdout.write(`${JSON.stringify({ ack })}\n`);
  }

  // A writer that will be killed first makes one turn on its own, so the whole instance is warm (the
  // model, safety and usage parts are built on the first turn) before the test's kill delay starts.
  if (turnsPerLane === Number.POSITIVE_INFINITY) await turn();
  process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
  await Promise.all(
    Array.from({ length: Number(lanesText) }, async () => {
      for (let count = 0; count < turnsPerLane; count += 1) await turn();
    }),
  );
  process.exitCode = failures === 0 ? 0 : 1;
}

// Run only as a script: the test imports the session list and message text from this file.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await run();
}

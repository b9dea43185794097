/**
 * A separate OS process writing to a shared DATA_DIR, spawned by local-file-session-store.test.ts to check
 * that the file lock holds across processes, not only across promises of one process.
 *
 *   node --import tsx local-file-session-store-worker.ts <dataDir> <workerName> <turnCount>
 *
 * (the test runs it bundled by tests/support/bundled-worker.ts: the same code, a faster start).
 *
 * Appends <turnCount> turns to the shared session `shared_user/shared` and as many to its own session
 * `shared_user/own_<workerName>`, all at once so the writers really contend.
 */
import { createLocalFileSessionStore } from '../../shared/storage/local-file-session-store.js';
import type { StoredMessage } from '../../shared/storage/session-document.js';

const [dataDir, workerName, turnCountText] = process.argv.slice(2);
if (dataDir === undefined || workerName === undefined || turnCountText === undefined) {
  throw new Error('usage: local-file-session-store-worker.ts <dataDir> <workerName> <turnCount>');
}

const store = createLocalFileSessionStore({ dataDir });
const seed: StoredMessage[] = [
  { message_id: 'seed-user', role: 'user', content: 'seed', timestamp: '2026-03-01T10:00:00.000Z' },
];

/** One turn in the two writes a chat turn makes: the question as pending, then the reply. */
async function writeTurn(sessionId: string, turnId: string, sessionExisted: boolean): Promise<void> {
  const key = { userId: 'shared_user', sessionId };
  const timestamp = new Date().toISOString();
  const question: StoredMessage = {
    message_id: `${turnId}-user`,
    role: 'user',
    content: `question ${turnId}`,
    timestamp,
    status: 'pending',
    client_msg_id: `client-${turnId}`,
    attempt_id: `attempt-${turnId}`,
    attempt_at: timestamp,
    attempts: 1,
  };
  await store.beginTurn({ key, seedMessages: seed, question, now: timestamp, sessionExisted });
  const reply: StoredMessage = {
    message_id: `${turnId}-agent`,
    role: 'agent',
    content: `answer ${turnId}`,
    timestamp,
    emotion: 'calm',
    reply_to: question.message_id,
  };
  const finished = await store.finishTurn({
    key,
    messageId: question.message_id,
    attemptId: `attempt-${turnId}`,
    outcome: { status: 'complete', reply },
    now: new Date().toISOString(),
  });
  if (!finished) throw new Error(`turn ${turnId} was not finished`);
}

await Promise.all(
  Array.from({ length: Number(turnCountText) }, (_, index) => {
    const turnId = `${workerName}-${index}`;
    return Promise.all([
      writeTurn('shared', turnId, false),
      writeTurn(`own_${workerName}`, turnId, index > 0),
    ]);
  }),
);

/**
 * A separate OS process writing to a shared DATA_DIR, spawned by local-file-session-store.test.ts to check
 * that the file lock holds across processes, not only across promises of one process.
 *
 *   node --import tsx local-file-session-store-worker.ts <dataDir> <workerName> <turnCount>
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

function turn(turnId: string): StoredMessage[] {
  const timestamp = new Date().toISOString();
  return [
    { message_id: `${turnId}-user`, role: 'user', content: `question ${turnId}`, timestamp },
    { message_id: `${turnId}-agent`, role: 'agent', content: `answer ${turnId}`, timestamp, emotion: 'calm' },
  ];
}

await Promise.all(
  Array.from({ length: Number(turnCountText) }, (_, index) => {
    const turnId = `${workerName}-${index}`;
    const now = new Date().toISOString();
    return Promise.all([
      store.appendTurn({
        key: { userId: 'shared_user', sessionId: 'shared' },
        seedMessages: seed,
        messages: turn(turnId),
        now,
        sessionExisted: false,
      }),
      store.appendTurn({
        key: { userId: 'shared_user', sessionId: `own_${workerName}` },
        seedMessages: seed,
        messages: turn(turnId),
        now,
        sessionExisted: index > 0,
      }),
    ]);
  }),
);

/**
 * A separate OS process counting usage in a shared DATA_DIR, spawned by local-file-usage-store.test.ts to
 * check that the file lock holds across processes, not only across promises of one process.
 *
 *   node --import tsx local-file-usage-store-worker.ts <dataDir> <messageCount> <nowIso>
 *
 * (the test runs it bundled by tests/support/bundled-worker.ts: the same code, a faster start).
 *
 * Counts <messageCount> messages and as many 10-token replies for `shared_user`, all at once so the
 * writers really contend, and prints the day counts it was given, as a JSON array, on stdout.
 */
import { createLocalFileUsageStore } from '../../shared/limits/local-file-usage-store.js';

const [dataDir, messageCountText, nowText] = process.argv.slice(2);
if (dataDir === undefined || messageCountText === undefined || nowText === undefined) {
  throw new Error('usage: local-file-usage-store-worker.ts <dataDir> <messageCount> <nowIso>');
}

const store = createLocalFileUsageStore({ dataDir });
const now = new Date(nowText);
const seen = await Promise.all(
  Array.from({ length: Number(messageCountText) }, async () => {
    const [counts] = await Promise.all([
      store.recordMessage('shared_user', now),
      store.recordTokens('shared_user', now, 10),
    ]);
    return counts.dayMessages;
  }),
);
process.stdout.write(JSON.stringify(seen));

import { describe, expect, it } from 'vitest';
import { RETENTION_MEMORY_PAGE, runRetentionSweep } from '../../shared/history/run-retention-sweep.js';
import type { SessionStore } from '../../shared/storage/session-store.js';
import { MemoryBackendInMemory } from '../chat/memory-backend-in-memory.js';
import { recordingLogger } from '../support/test-services.js';

/**
 * The sweep's pass over stale memories beyond one page and its time budget (the end-to-end case on
 * both adapters is in tests/functions/memory-actions.test.ts). The sessions are only what the pass
 * asks of them: whether an owner has one left.
 */

const now = new Date('2026-03-31T10:00:00.000Z');
const old = '2026-02-01T10:00:00.000Z';

function sessionsOf(owners: ReadonlySet<string>, onList: () => void = () => {}): SessionStore {
  const sessions: Pick<SessionStore, 'deleteSessionsUpdatedBefore' | 'listSessions'> = {
    deleteSessionsUpdatedBefore: async () => 0,
    listSessions: async (userId) => {
      onList();
      return owners.has(userId) ? ([{ session_id: 's1' }] as never) : [];
    },
  };
  return sessions as SessionStore;
}

async function oldMemories(count: number): Promise<{ memory: MemoryBackendInMemory; users: string[] }> {
  const memory = new MemoryBackendInMemory();
  const users = Array.from({ length: count }, (_, index) => `u${String(index).padStart(4, '0')}`);
  for (const userId of users) await memory.store.setEnabled(userId, true, old);
  return { memory, users };
}

describe('the retention sweep over stale memories', () => {
  it('passes over the owners it spares page after page and deletes every orphan', async () => {
    const { memory, users } = await oldMemories(RETENTION_MEMORY_PAGE * 2 + 50);
    const orphans = users.filter((_, index) => index % 40 === 7);
    const withSessions = new Set(users.filter((userId) => !orphans.includes(userId)));
    const report = await runRetentionSweep(
      { retentionDays: 30 },
      {
        store: sessionsOf(withSessions),
        memory: memory.store,
        clock: () => now,
        logger: recordingLogger().logger,
      },
    );
    expect(report).toMatchObject({ deleted_memories: orphans.length, complete: true });
    expect([...memory.documents.keys()].sort()).toEqual([...withSessions].sort());
  });

  it('stops when its time is up and says the sweep is incomplete', async () => {
    const { memory } = await oldMemories(RETENTION_MEMORY_PAGE);
    let elapsed = 0;
    const { logger, lines } = recordingLogger();
    const report = await runRetentionSweep(
      { retentionDays: 30 },
      {
        store: sessionsOf(new Set(), () => {
          elapsed += 1_000;
        }),
        memory: memory.store,
        clock: () => now,
        logger,
        elapsedMs: () => elapsed,
      },
    );
    expect(report).toMatchObject({ deleted_memories: 6, complete: false });
    expect(memory.documents.size).toBe(RETENTION_MEMORY_PAGE - 6);
    expect(lines.join('\n')).toContain('retention.incomplete');
  });
});

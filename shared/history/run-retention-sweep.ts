import type { UsageStore } from '../limits/usage-store.js';
import { usageWindow } from '../limits/usage-window.js';
import type { Logger } from '../logging/logger.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { SessionStore } from '../storage/session-store.js';

const dayMs = 24 * 60 * 60 * 1000;
/** Sessions per store call; the sweep calls again until none are left or its time is up. */
export const RETENTION_BATCH = 200;
/** The history function's timeout is 10 s; the sweep stops asking for more after this, and the next run goes on. */
export const RETENTION_TIME_BUDGET_MS = 6_000;
/** Memory owners per store call (the page every CloudBase environment accepts). */
export const RETENTION_MEMORY_PAGE = 100;

export type RetentionReport =
  | { retention: 'disabled' }
  | {
      retention: 'swept';
      retention_days: number;
      cutoff: string;
      deleted: number;
      deleted_usage_days: number;
      /**
       * Memories deleted because the sweep removed their owner's last session, or because they were
       * last changed before the cutoff and their owner has no session.
       */
      deleted_memories: number;
      complete: boolean;
    };

/**
 * Deletes every session, of any user, last updated more than `retentionDays` days ago. Everything it
 * acts on comes from the configuration and the server clock, nothing from the event that started it, so
 * whoever triggers it can at most run the same policy early. Without RETENTION_DAYS it does nothing.
 */
export async function runRetentionSweep(
  settings: { retentionDays: number | undefined },
  dependencies: {
    store: SessionStore;
    usage?: UsageStore | undefined;
    memory?: MemoryStore | undefined;
    clock: () => Date;
    logger: Logger;
    elapsedMs?: () => number;
  },
): Promise<RetentionReport> {
  const { retentionDays } = settings;
  if (retentionDays === undefined) {
    dependencies.logger.info('retention.disabled', { reason: 'RETENTION_DAYS not set' });
    return { retention: 'disabled' };
  }
  const startedAt = Date.now();
  const elapsedMs = dependencies.elapsedMs ?? (() => Date.now() - startedAt);
  const cutoff = new Date(dependencies.clock().getTime() - retentionDays * dayMs).toISOString();
  let deleted = 0;
  let deletedMemories = 0;
  let complete = false;
  const hasTime = () => elapsedMs() < RETENTION_TIME_BUDGET_MS;
  while (hasTime()) {
    const owners = new Set<string>();
    const batch = await dependencies.store.deleteSessionsUpdatedBefore(cutoff, {
      limit: RETENTION_BATCH,
      owners,
    });
    deleted += batch;
    // Right after each batch, so a sweep cut short by its time budget still settles whom it swept.
    deletedMemories += await deleteOrphanedMemories(owners, dependencies);
    if (batch < RETENTION_BATCH) {
      complete = true;
      break;
    }
  }
  // The usage counts (messages and tokens per user and day) follow the same limit, by their China day.
  const deletedUsageDays =
    (await dependencies.usage?.deleteUsageBefore(usageWindow(new Date(cutoff)).day)) ?? 0;
  const stale = await deleteStaleMemories(cutoff, dependencies, hasTime);
  deletedMemories += stale.deleted;
  complete &&= stale.complete;
  const fields = {
    retention_days: retentionDays,
    cutoff,
    deleted,
    deleted_usage_days: deletedUsageDays,
    deleted_memories: deletedMemories,
    complete,
  };
  if (complete) dependencies.logger.info('retention.swept', fields);
  else dependencies.logger.warn('retention.incomplete', fields);
  return { retention: 'swept', ...fields };
}

/**
 * A memory lives as long as its owner has a session: when the sweep has removed a user's last one, the
 * memory (items and setting) goes too. Each owner the sweep touched is asked whether any session is
 * left (one read), so a user who kept chatting elsewhere keeps theirs.
 */
async function deleteOrphanedMemories(
  owners: ReadonlySet<string>,
  dependencies: { store: SessionStore; memory?: MemoryStore | undefined },
): Promise<number> {
  const { memory } = dependencies;
  if (memory === undefined) return 0;
  let deleted = 0;
  for (const userId of owners) {
    const left = await dependencies.store.listSessions(userId, { limit: 1 });
    if (left.length === 0 && (await memory.deleteMemory(userId))) deleted += 1;
  }
  return deleted;
}

/**
 * A memory whose owner has no session, left unchanged longer than the retention: one cleared and then
 * every session deleted by hand, or turned on and never used. Its `forgotten` hashes would otherwise
 * stay until delete_all. The owners come in user id order, so those spared (a session left) are passed
 * over rather than listed again; the delete is conditional on the memory still being that old.
 */
async function deleteStaleMemories(
  cutoff: string,
  dependencies: { store: SessionStore; memory?: MemoryStore | undefined },
  hasTime: () => boolean,
): Promise<{ deleted: number; complete: boolean }> {
  const { memory } = dependencies;
  if (memory === undefined) return { deleted: 0, complete: true };
  let deleted = 0;
  let afterUserId: string | undefined;
  while (hasTime()) {
    const owners = await memory.listOwnersUpdatedBefore(cutoff, {
      limit: RETENTION_MEMORY_PAGE,
      afterUserId,
    });
    for (const userId of owners) {
      if (!hasTime()) return { deleted, complete: false };
      const left = await dependencies.store.listSessions(userId, { limit: 1 });
      if (left.length === 0 && (await memory.deleteMemory(userId, { updatedBefore: cutoff }))) deleted += 1;
    }
    if (owners.length < RETENTION_MEMORY_PAGE) return { deleted, complete: true };
    afterUserId = owners.at(-1);
  }
  return { deleted, complete: false };
}

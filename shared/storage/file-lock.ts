import { open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const inProcessQueues = new Map<string, Promise<unknown>>();

export interface FileLockOptions {
  /** Give up after this long; a writer that cannot get the lock must fail rather than hang the request. */
  timeoutMs?: number;
  /** A lock older than this whose owner cannot be checked is treated as abandoned. */
  staleMs?: number;
}

/**
 * Runs `task` while holding an exclusive lock on `lockPath`, against other callers in this process (a
 * promise queue, so they don't spin) and in other processes (a lock file created with O_EXCL holding the
 * owner's pid). A lock left by a crashed process is removed once its pid no longer runs.
 */
export async function withFileLock<T>(
  lockPath: string,
  task: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const previous = inProcessQueues.get(lockPath) ?? Promise.resolve();
  const run = previous.then(
    () => holdCrossProcessLock(lockPath, task, options),
    () => holdCrossProcessLock(lockPath, task, options),
  );
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  inProcessQueues.set(lockPath, settled);
  try {
    return await run;
  } finally {
    if (inProcessQueues.get(lockPath) === settled) inProcessQueues.delete(lockPath);
  }
}

async function holdCrossProcessLock<T>(lockPath: string, task: () => Promise<T>, options: FileLockOptions) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const startedAt = Date.now();
  const ownerTag = `${process.pid}:${startedAt}:${Math.random().toString(36).slice(2)}`;
  let waitMs = 1;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(ownerTag);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw error;
      await removeIfAbandoned(lockPath, staleMs);
      if (Date.now() - startedAt > timeoutMs) {
        throw new Error(`timed out waiting for lock ${lockPath}`);
      }
      await sleep(waitMs + Math.random() * waitMs);
      waitMs = Math.min(waitMs * 2, 50);
    }
  }
  try {
    return await task();
  } finally {
    await releaseIfOwned(lockPath, ownerTag);
  }
}

async function releaseIfOwned(lockPath: string, ownerTag: string): Promise<void> {
  const holder = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (holder === ownerTag) await rm(lockPath, { force: true });
}

async function removeIfAbandoned(lockPath: string, staleMs: number): Promise<void> {
  const holder = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (holder === undefined) return;
  const [pidText, takenAtText] = holder.split(':');
  // An empty holder means the owner is between create and write (or died there): only age can tell.
  const ownerGone = holder === '' ? false : !isProcessAlive(Number(pidText));
  const takenAt = holder === '' ? await modifiedAt(lockPath) : Number(takenAtText);
  const tooOld = Number.isFinite(takenAt) && Date.now() - takenAt > staleMs;
  if (!ownerGone && !tooOld) return;
  // Re-read right before removing so a lock another waiter just re-took is not removed.
  const again = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (again === holder) await rm(lockPath, { force: true });
}

async function modifiedAt(filePath: string): Promise<number> {
  const info = await stat(filePath).catch(() => undefined);
  return info === undefined ? Number.NaN : info.mtimeMs;
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, 'EPERM');
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
 * owner's pid). A lock left by a crashed process is taken over once its pid no longer runs.
 *
 * The lock file calls are synchronous on purpose: each is a few microseconds of work, while a trip
 * through libuv's thread pool costs a few hundred on a small VM, and a turn takes several of them.
 */
export async function withFileLock<T>(
  lockPath: string,
  task: () => T | Promise<T>,
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

async function holdCrossProcessLock<T>(
  lockPath: string,
  task: () => T | Promise<T>,
  options: FileLockOptions,
) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const startedAt = Date.now();
  const nonce = Math.random().toString(36).slice(2);
  // The time in the tag is when the lock was taken, not when waiting began: staleness counts from it.
  const tagNow = () => `${process.pid}:${Date.now()}:${nonce}`;
  let ownerTag = tagNow();
  let waitMs = 1;
  while (!tryCreate(lockPath, ownerTag)) {
    removeIfAbandoned(lockPath, staleMs);
    if (Date.now() - startedAt > timeoutMs) throw new Error(`timed out waiting for lock ${lockPath}`);
    await sleep(waitMs + Math.random() * waitMs);
    waitMs = Math.min(waitMs * 2, 50);
    ownerTag = tagNow();
  }
  locksHeldHere.add(ownerTag);
  try {
    return await task();
  } finally {
    locksHeldHere.delete(ownerTag);
    if (readHolder(lockPath) === ownerTag) rmSync(lockPath, { force: true });
  }
}

/**
 * Tags of the locks this process holds. A lock naming this process's pid but none of these was left by
 * an earlier process that had the same pid, as every process has pid 1 in a container.
 */
const locksHeldHere = new Set<string>();

let createCount = 0;

/**
 * Creates the lock file with its owner tag already in it: the tag goes into a private file that is then
 * hard-linked to the lock path, which fails with EEXIST if the lock exists. Creating the lock empty and
 * writing the tag after would leave an empty lock behind a writer killed in between, which nobody could
 * tell from a live one until it grew stale.
 */
function tryCreate(lockPath: string, ownerTag: string): boolean {
  createCount += 1;
  const draftPath = `${lockPath}.${process.pid}.${createCount}.draft`;
  writeFileSync(draftPath, ownerTag, { mode: 0o600 });
  try {
    linkSync(draftPath, lockPath);
    return true;
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw error;
  } finally {
    rmSync(draftPath, { force: true });
  }
}

function removeIfAbandoned(lockPath: string, staleMs: number): void {
  const holder = readHolder(lockPath);
  if (holder === undefined || !isAbandoned(lockPath, holder, staleMs)) return;
  // Check-then-delete races with another process taking over the same lock: it could delete the lock a
  // third process just took. Takeovers are therefore serialised by a guard file, and the holder is
  // re-read under it, so what is deleted is always the abandoned lock.
  const guardPath = `${lockPath}.takeover`;
  if (!tryCreate(guardPath, `${process.pid}:${Date.now()}:takeover`)) {
    // A takeover whose process died would block every later one. A takeover runs without a pause, so a
    // guard whose process is gone (or is this one, under an earlier process's pid) is abandoned.
    const guardHolder = readHolder(guardPath);
    if (guardHolder !== undefined && isAbandoned(guardPath, guardHolder, staleMs)) {
      rmSync(guardPath, { force: true });
    }
    return;
  }
  try {
    if (readHolder(lockPath) === holder) rmSync(lockPath, { force: true });
  } finally {
    rmSync(guardPath, { force: true });
  }
}

function isAbandoned(lockPath: string, holder: string, staleMs: number): boolean {
  const [pidText, takenAtText] = holder.split(':');
  // Locks are created with their tag in them; an empty one comes from an older version of this code,
  // and only age can tell whether its owner is still there.
  const pid = Number(pidText);
  const ownerGone =
    holder === '' ? false : pid === process.pid ? !locksHeldHere.has(holder) : !isProcessAlive(pid);
  const takenAt = holder === '' ? modifiedAt(lockPath) : Number(takenAtText);
  return ownerGone || (Number.isFinite(takenAt) && Date.now() - takenAt > staleMs);
}

function readHolder(lockPath: string): string | undefined {
  try {
    return readFileSync(lockPath, 'utf8');
  } catch {
    return undefined;
  }
}

function modifiedAt(filePath: string): number {
  try {
    return statSync(filePath).mtimeMs;
  } catch {
    return Number.NaN;
  }
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

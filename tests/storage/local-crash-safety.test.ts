/**
 * Crash safety of the local file adapter: chat function instances writing to one DATA_DIR are killed
 * (SIGKILL) at random moments, round after round, each round's new processes continuing on what the
 * killed ones left (lock files of dead pids, temp files). Afterwards every file parses and validates,
 * every acknowledged turn (question and reply) is stored exactly once, and a fresh process can still
 * write a turn to every session.
 *
 * The kill timings come from a seeded PRNG; the seed is printed, and CRASH_SEED=<seed> replays them
 * (the processes' own scheduling still varies from run to run).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { usageDocumentSchema } from '../../shared/limits/usage-document.js';
import { withFileLock } from '../../shared/storage/file-lock.js';
import { createLocalFileSessionStore } from '../../shared/storage/local-file-session-store.js';
import type { SessionDocument } from '../../shared/storage/session-document.js';
import { presentSession, sessionRecordSchema } from '../../shared/storage/session-record.js';
import { type BundledWorker, bundleWorker } from '../support/bundled-worker.js';
import { listFilesRecursively } from '../support/temporary-files.js';
import { CRASH_SESSIONS, type CrashAck } from './local-crash-worker.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const workerSource = fileURLToPath(new URL('./local-crash-worker.ts', import.meta.url));
let bundled: BundledWorker;
beforeAll(async () => {
  bundled = await bundleWorker(workerSource);
});
afterAll(async () => {
  await bundled.remove();
});

/** Writers running side by side, each killed and replaced KILLS_PER_SLOT times. */
const SLOTS = 2;
const KILLS_PER_SLOT = 6;
const LANES_PER_WORKER = 3;
const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded PRNG, so a failing run's kill timings can be replayed. */
function seededRandom(initial: number): () => number {
  let state = initial >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const sessionIndexSchema = z.object({
  schema_version: z.literal(1),
  sessions: z.record(
    z.string(),
    z.object({ user_id: z.string(), session_id: z.string(), created_at: z.string() }),
  ),
});

interface WorkerRun {
  pid: number;
  acks: CrashAck[];
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

interface Worker {
  child: ChildProcess;
  /** Resolves once the worker has built its handler, just before its first turn. */
  ready: Promise<void>;
  /** Resolves when the process has exited and its output is fully read. */
  done: Promise<WorkerRun>;
}

const running = new Set<ChildProcess>();
afterEach(() => {
  // Only if a test failed half-way: the processes this file started, by their own handles.
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

function startWorker(dataDir: string, name: string, lanes: number, turnsPerLane?: number): Worker {
  const args = [bundled.file, dataDir, name, String(lanes)];
  if (turnsPerLane !== undefined) args.push(String(turnsPerLane));
  const child = spawn(process.execPath, args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const acks: CrashAck[] = [];
  let stderr = '';
  let pending = '';
  let markReady: () => void = () => {};
  let failReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  // Only a caller that waits for readiness cares that it never came.
  ready.catch(() => {});
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    // A line without its newline is not an acknowledgement (yet): it waits for the rest.
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const parsed = JSON.parse(line) as { ready?: boolean; ack?: CrashAck };
      if (parsed.ready) markReady();
      if (parsed.ack !== undefined) acks.push(parsed.ack);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const done = new Promise<WorkerRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      running.delete(child);
      failReady(new Error(`worker ${name} ended before it was ready (${exitCode ?? signal}): ${stderr}`));
      resolve({ pid: child.pid ?? -1, acks, stderr, exitCode, signal });
    });
  });
  return { child, ready, done };
}

interface Survey {
  sessions: Map<string, SessionDocument>;
  index: z.infer<typeof sessionIndexSchema>;
  temporary: string[];
  locks: string[];
}

/**
 * Reads every file the adapter may have left: each data file must parse and validate; temp files, lock
 * files and takeover guards are listed, anything else fails.
 */
async function survey(dataDir: string): Promise<Survey> {
  const sessions = new Map<string, SessionDocument>();
  const temporary: string[] = [];
  const locks: string[] = [];
  let index: Survey['index'] | undefined;
  for (const file of await listFilesRecursively(dataDir)) {
    const text = () => readFile(path.join(dataDir, file), 'utf8');
    // Temp files of a killed atomic write, and lock drafts of a writer killed while taking a lock.
    if (/\.\d+\.\d+\.(tmp|draft)$/.test(file)) {
      temporary.push(file);
    } else if (file.endsWith('.lock') || file.endsWith('.lock.takeover')) {
      locks.push(file);
    } else if (file === 'sessions.json') {
      index = sessionIndexSchema.parse(JSON.parse(await text()));
    } else if (/^usage\/[A-Za-z0-9_-]+\/[^/]+\.json$/.test(file)) {
      usageDocumentSchema.parse(JSON.parse(await text()));
    } else if (/^[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\.json$/.test(file)) {
      const parsed = sessionRecordSchema.safeParse(JSON.parse(await text()));
      if (!parsed.success) throw new Error(`${file} does not validate: ${parsed.error.message}`);
      // Questions as readers see them, with their turn's state from the turn map.
      const document = presentSession(parsed.data);
      expect(file).toBe(`${document.user_id}/${document.session_id}.json`);
      sessions.set(`${document.user_id}/${document.session_id}`, document);
    } else {
      throw new Error(`unexpected file in DATA_DIR: ${file}`);
    }
  }
  if (index === undefined) throw new Error('sessions.json is missing');
  return { sessions, index, temporary, locks };
}

/** Every acknowledged turn is stored exactly once, complete, in order; no message is stored twice. */
function expectAcknowledgedTurns(sessions: Map<string, SessionDocument>, acks: readonly CrashAck[]): void {
  for (const [key, document] of sessions) {
    expect(document.message_count, key).toBe(document.messages.length);
    const ids = document.messages.map((message) => message.message_id);
    expect(new Set(ids).size, `${key}: a message id stored twice`).toBe(ids.length);
    const clientIds = document.messages.flatMap((message) =>
      message.role === 'user' && message.client_msg_id !== undefined ? [message.client_msg_id] : [],
    );
    expect(new Set(clientIds).size, `${key}: a client_msg_id stored twice`).toBe(clientIds.length);
    document.messages.forEach((message, position) => {
      if (message.role !== 'agent') return;
      const question = document.messages.findIndex((candidate) => candidate.message_id === message.reply_to);
      expect(question, `${key}: reply ${message.message_id} follows its question`).toBeGreaterThanOrEqual(0);
      expect(question).toBeLessThan(position);
    });
  }
  for (const ack of acks) {
    const document = sessions.get(`${ack.user_id}/${ack.session_id}`);
    if (document === undefined) throw new Error(`acknowledged turn ${ack.client_msg_id}: session missing`);
    const questions = document.messages.filter((message) => message.message_id === ack.user_message_id);
    const replies = document.messages.filter((message) => message.message_id === ack.message_id);
    expect(questions, `question of ${ack.client_msg_id}`).toHaveLength(1);
    expect(replies, `reply of ${ack.client_msg_id}`).toHaveLength(1);
    expect(questions[0]).toMatchObject({
      role: 'user',
      content: ack.message,
      client_msg_id: ack.client_msg_id,
      status: 'complete',
    });
    expect(replies[0]).toMatchObject({ role: 'agent', content: ack.content, reply_to: ack.user_message_id });
  }
}

/**
 * Lock files a kill could leave that no writer can take over at once: an empty lock (no owner to check)
 * or a takeover guard. file-lock.ts creates locks with their owner's tag already in them (a hard link
 * of a filled draft), so an empty lock must never appear; the scan proves it under random kills.
 */
async function emptyLocks(dataDir: string, options: { minAgeMs: number }): Promise<string[]> {
  const found: string[] = [];
  for (const lock of await listFilesRecursively(dataDir)) {
    if (!lock.endsWith('.lock')) continue;
    const lockPath = path.join(dataDir, lock);
    const holder = await readFile(lockPath, 'utf8').catch(() => undefined);
    const info = await stat(lockPath).catch(() => undefined);
    if (info === undefined || Date.now() - info.mtimeMs < options.minAgeMs) continue;
    if (holder === '') found.push(lock);
  }
  return found;
}

describe('local adapter crash safety', () => {
  it('writers killed at random moments leave whole files and every acknowledged turn', async () => {
    console.info(`local crash safety: seed ${seed} (CRASH_SEED=${seed} replays the kill timings)`);
    const random = seededRandom(seed);
    const root = await mkdtemp(path.join(os.tmpdir(), 'zhiji-crash-'));
    const dataDir = path.join(root, 'data');
    const failure = (text: string) => `${text} (CRASH_SEED=${seed})`;
    try {
      const acks: CrashAck[] = [];
      const killedPids = new Set<number>();
      // The kill delays of each writer slot, drawn up front so the seed alone decides them.
      const delays = Array.from({ length: SLOTS }, () =>
        Array.from({ length: KILLS_PER_SLOT }, () => 50 + Math.floor(random() * 551)),
      );
      const acksPerKill: number[][] = delays.map(() => []);
      const stuck = new Set<string>();
      // Meanwhile, every lock file seen must name its owner.
      let scanning = true;
      const scanner = (async () => {
        while (scanning) {
          for (const lock of await emptyLocks(dataDir, { minAgeMs: 0 })) stuck.add(lock);
          await sleep(250);
        }
      })();
      // Awaited once the writers are done; until then a failure of the scan waits there.
      scanner.catch(() => {});
      // The slots run side by side, so a writer is killed while the other slot's writer holds or waits
      // for the same locks, and a new writer starts on what the killed one left.
      await Promise.all(
        delays.map(async (slotDelays, slot) => {
          for (const [kill, delayMs] of slotDelays.entries()) {
            const worker = startWorker(dataDir, `k${kill}w${slot}`, LANES_PER_WORKER);
            await worker.ready;
            await sleep(delayMs);
            worker.child.kill('SIGKILL');
            const run = await worker.done;
            expect(run.signal, failure(`writer k${kill}w${slot} ended by itself: ${run.stderr}`)).toBe(
              'SIGKILL',
            );
            expect(run.stderr.includes('"failed"'), failure(`writer k${kill}w${slot}: ${run.stderr}`)).toBe(
              false,
            );
            killedPids.add(run.pid);
            acks.push(...run.acks);
            acksPerKill[slot]?.push(run.acks.length);
          }
        }),
      ).finally(() => {
        scanning = false;
      });
      await scanner;
      // Typically 100-250; the floor only guards against a run where no writer got going at all.
      expect(acks.length, 'enough turns were acknowledged to make the check meaningful').toBeGreaterThan(20);

      const afterCrashes = await survey(dataDir);
      expectAcknowledgedTurns(afterCrashes.sessions, acks);

      for (const lock of await emptyLocks(dataDir, { minAgeMs: 0 })) stuck.add(lock);
      expect([...stuck], 'no kill leaves an empty lock file that would block its file').toEqual([]);

      // What a kill in the middle of a write leaves, planted for sure (random kills land there only now
      // and then): a half-written temp file beside every session file and the index, and a lock
      // file naming a dead writer.
      const deadPid = [...killedPids].at(-1) ?? 999_999;
      for (const file of ['sessions.json', ...afterCrashes.sessions.keys()].map((key) =>
        key.endsWith('.json') ? key : `${key}.json`,
      )) {
        const whole = await readFile(path.join(dataDir, file), 'utf8');
        await writeFile(
          path.join(dataDir, `${file}.${deadPid}.999999.tmp`),
          whole.slice(0, whole.length / 2),
        );
      }
      await writeFile(path.join(dataDir, 'crash_a/s1.json.lock'), `${deadPid}:${Date.now()}:planted`, {
        flag: 'wx',
      }).catch(() => undefined);

      // A fresh process, on everything the killed ones left, writes one turn to every session.
      const startedAt = performance.now();
      const final = await startWorker(dataDir, 'final', CRASH_SESSIONS.length, 1).done;
      const finalMs = performance.now() - startedAt;
      expect(final.exitCode, failure(`the final writer failed: ${final.stderr}`)).toBe(0);
      expect(final.acks.map((ack) => `${ack.user_id}/${ack.session_id}`).sort()).toEqual(
        CRASH_SESSIONS.map((session) => `${session.userId}/${session.sessionId}`).sort(),
      );
      // Lock files of dead pids are taken over at once, not after the 30 s staleness age.
      expect(finalMs).toBeLessThan(10_000);

      const afterFinal = await survey(dataDir);
      expectAcknowledgedTurns(afterFinal.sessions, [...acks, ...final.acks]);
      expect(Object.keys(afterFinal.index.sessions).sort()).toEqual([...afterFinal.sessions.keys()].sort());
      // Temp files are only what killed writers left mid-write; a process that ends cleanly leaves none.
      for (const file of afterFinal.temporary) {
        const pid = Number(/\.(\d+)\.\d+\.(?:tmp|draft)$/.exec(file)?.[1]);
        expect(killedPids.has(pid), `${file} left by a process that was not killed`).toBe(true);
      }
      // The temp files left behind do not get in the way of reads.
      const store = createLocalFileSessionStore({ dataDir });
      for (const { userId, sessionId } of CRASH_SESSIONS) {
        const document = await store.getSession({ userId, sessionId });
        expect(document?.message_count).toBe(
          afterFinal.sessions.get(`${userId}/${sessionId}`)?.message_count,
        );
      }
      expect((await store.listSessions('crash_a')).map((summary) => summary.session_id).sort()).toEqual([
        's0',
        's1',
        's2',
      ]);

      console.info(
        `local crash safety: ${SLOTS * KILLS_PER_SLOT} writers killed, acknowledged turns per writer ` +
          `${acksPerKill.map((slot) => slot.join(' ')).join(' | ')} (total ${acks.length}); ` +
          `left by the kills: ${afterCrashes.temporary.length} temp files, ${afterCrashes.locks.length} lock ` +
          `files; final writer ${Math.round(finalMs)} ms; ` +
          `left at the end (with the planted ones): ${afterFinal.temporary.length} temp files, ${afterFinal.locks.length} lock files ` +
          `(${afterFinal.locks.join(', ') || 'none'})`,
      );
    } finally {
      // CRASH_KEEP_DIR=1 keeps DATA_DIR for a look at what the writers left.
      if (process.env.CRASH_KEEP_DIR === undefined) await rm(root, { recursive: true, force: true });
      else console.info(`local crash safety: DATA_DIR kept at ${dataDir}`);
    }
  }, 60_000);
});

describe('lock files left by a writer killed mid-lock', () => {
  let directory: string;
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  /** A pid that ran and ended: a child that exited, waited for. */
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((resolve) => child.on('close', resolve));
    return child.pid ?? 999_999;
  }

  it('is not blocked by the draft a writer killed while taking the lock left behind', async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'zhiji-lock-'));
    const lockPath = path.join(directory, 's0.json.lock');
    await writeFile(`${lockPath}.${await deadPid()}.1.draft`, '1:2:draft');
    await expect(withFileLock(lockPath, () => 'ran', { timeoutMs: 1_000 })).resolves.toBe('ran');
  });

  it("takes over at once a dead writer's lock whose takeover guard another killed writer left", async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'zhiji-lock-'));
    const lockPath = path.join(directory, 's0.json.lock');
    const pid = await deadPid();
    await writeFile(lockPath, `${pid}:${Date.now()}:dead`);
    await writeFile(`${lockPath}.takeover`, `${pid}:${Date.now()}`);
    await expect(withFileLock(lockPath, () => 'ran', { timeoutMs: 1_000 })).resolves.toBe('ran');
  });
});

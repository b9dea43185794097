import { statfsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Temporary directories in memory (tmpfs) when the machine has one with room to spare and TMPDIR is not
 * chosen already: the local adapter's tests make thousands of small synchronous writes, renames and lock
 * files, about six times faster on tmpfs than on a disk. What they check does not depend on the disk:
 * the crash tests kill processes, they do not cut the power.
 */
function memoryTemporaryDirectory(): Record<string, string> {
  if (process.env.TMPDIR !== undefined || process.platform !== 'linux') return {};
  try {
    const { bavail, bsize } = statfsSync('/dev/shm');
    return bavail * bsize >= 1024 ** 3 ? { TMPDIR: '/dev/shm' } : {};
  } catch {
    return {};
  }
}

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The CloudBase SDK otherwise probes a metadata host before every request (and keeps the process
    // alive on a closed network), and warns about "slow" requests on a loaded machine.
    env: { TENCENTCLOUD: 'true', SILENCE: 'true', ...memoryTemporaryDirectory() },
    // Many files spend most of their time waiting on loopback servers, child processes and deadlines,
    // so more workers than cores keeps the cores busy (vitest's default is one less than the cores).
    maxWorkers: Math.max(4, availableParallelism()),
    // A worker keeps its imported modules from one test file to the next instead of loading the whole
    // graph again per file (a third of the suite's CPU time). No test replaces a module (no vi.mock),
    // tests that change process.env put it back, and shared/'s module state is only lazily built
    // caches, so nothing one file does changes what another sees.
    isolate: false,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});

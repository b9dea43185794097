import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

export interface BundledWorker {
  /** The bundle, to run as `node <file> ...args`. */
  file: string;
  remove(): Promise<void>;
}

/**
 * A worker script the tests spawn, bundled with the shared code it imports into one ES module. Started
 * through tsx, each process spent most of a second of CPU compiling and loading that code before doing
 * anything; from the bundle a start costs about a third of it. Same source, built once per test file.
 */
export async function bundleWorker(source: string): Promise<BundledWorker> {
  const directory = await mkdtemp(path.join(tmpdir(), 'zhiji-worker-'));
  const file = path.join(directory, `${path.basename(source, '.ts')}.mjs`);
  await build({
    entryPoints: [source],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The SDKs' CommonJS parts call require(), which an ES module bundle does not have by itself.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return { file, remove: () => rm(directory, { recursive: true, force: true }) };
}

import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * A temporary root with DATA_DIR as its `data` child (created by the adapter itself), so a write that
 * escaped DATA_DIR (a `../` id) would show up as an extra entry in the root.
 */
export async function createTemporaryDataDir(prefix: string): Promise<{ root: string; dataDir: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { root, dataDir: path.join(root, 'data') };
}

/** Every file below `directory`, as sorted paths relative to it; none when it does not exist. */
export async function listFilesRecursively(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(
    (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    },
  );
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)))
    .sort();
}

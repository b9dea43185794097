import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes to a temporary file in the same directory, then renames it over the target: a reader, or a
 * process killed mid-write, sees the old file or the new one, never half of one. No fsync: this adapter
 * is for local development, where a power cut is not the risk and fsync would cost milliseconds a turn;
 * production data lives in the CloudBase database. Synchronous for the reason given in file-lock.ts.
 */
let writeCount = 0;

export function writeFileAtomically(filePath: string, contents: string): void {
  // Unique across processes (pid) and within one (a counter), without the cost of random bytes.
  writeCount += 1;
  const temporaryPath = `${filePath}.${process.pid}.${writeCount}.tmp`;
  try {
    writeFileSync(temporaryPath, contents, { encoding: 'utf8', mode: 0o600 });
    renameSync(temporaryPath, filePath);
  } catch (error) {
    rmSync(temporaryPath, { force: true });
    throw error;
  }
}

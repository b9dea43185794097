/**
 * `npm run build:crisis-model` on a small fixture written for this test: the weights are the same bytes
 * on every run, valid for the runtime schema, and rows with risk null are left out.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { crisisModelFileSchema } from '../../shared/safety/crisis-model.js';

const run = promisify(execFile);
const FIXTURE = 'tests/fixtures/crisis/classifier-training.jsonl';
const workDir = mkdtempSync(path.join(tmpdir(), 'zhiji-build-crisis-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

async function build(out: string): Promise<string> {
  const { stdout } = await run(process.execPath, [
    '--import',
    'tsx',
    'scripts/crisis/build-crisis-model.ts',
    FIXTURE,
    '--out',
    out,
  ]);
  return stdout;
}

describe('npm run build:crisis-model', () => {
  it('writes the same bytes twice, in the runtime schema, leaving out rows with risk null', async () => {
    const [first, second] = [path.join(workDir, 'first.json'), path.join(workDir, 'second.json')];
    const stdout = await build(first);
    await build(second);
    expect(readFileSync(first)).toEqual(readFileSync(second));
    expect(stdout).toMatch(/trained on 36 rows \(16 risk\), 1 rows with risk null left out/);
    const parsed = crisisModelFileSchema.safeParse(JSON.parse(readFileSync(first, 'utf8')));
    expect(parsed.success).toBe(true);
    expect(parsed.data?.about).toContain('PsyGUARD');
    expect(Object.keys(parsed.data?.weights ?? {}).length).toBeGreaterThan(10);
  });

  it('refuses to run without a data file', async () => {
    await expect(
      run(process.execPath, ['--import', 'tsx', 'scripts/crisis/build-crisis-model.ts']),
    ).rejects.toMatchObject({ code: 1 });
  });
});

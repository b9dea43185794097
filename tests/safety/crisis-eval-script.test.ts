/**
 * `npm run eval:crisis` as a developer runs it: a child process on small files written here (and the
 * classifier fixture for cross-validation), printing each layer's recall and false-positive rate per
 * channel or kind, with message text only when asked for with --show.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const workDir = mkdtempSync(path.join(tmpdir(), 'zhiji-eval-crisis-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function writeLines(name: string, records: unknown[]): string {
  const file = path.join(workDir, name);
  writeFileSync(file, `${records.map((record) => JSON.stringify(record)).join('\n')}\n`);
  return file;
}

async function evalCrisis(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [
    '--import',
    'tsx',
    'scripts/crisis/eval-crisis.ts',
    ...args,
  ]);
  return stdout;
}

const labelled = writeLines('tiny.jsonl', [
  { text: '我想自杀', risk: true, kind: 'explicit' },
  { text: '活着没意思', risk: true, kind: 'indirect' },
  { text: '这句话谁也认不出来是求助', risk: true, kind: 'indirect' },
  { text: '累死了', risk: false, kind: 'hyperbole' },
  { text: '今天吃了火锅', risk: false },
]);

describe('npm run eval:crisis', () => {
  it('prints every layer, and per kind, without any message text', async () => {
    const stdout = await evalCrisis(labelled);
    for (const layer of ['keywords', 'rules', 'classifier', 'combined', 'combined_obfuscated']) {
      expect(stdout).toMatch(
        new RegExp(`\\n  ${layer}\\s+\\d\\.\\d{3} \\(\\d/3\\)\\s+\\d\\.\\d{3} \\(\\d/2\\)`),
      );
    }
    expect(stdout).toMatch(/rules\s+0\.667 \(2\/3\)\s+0\.000 \(0\/2\)/);
    expect(stdout).toMatch(/combined_obfuscated\s+0\.667 \(2\/3\)\s+0\.000 \(0\/2\)/);
    expect(stdout).toMatch(/per kind/);
    expect(stdout).toMatch(/\n {4}hyperbole\s+n=1/);
    expect(stdout).not.toContain('认不出来');
  });

  it('lists the missed lines with their text only with --show', async () => {
    const stdout = await evalCrisis(labelled, '--show');
    expect(stdout).toMatch(
      /missed positives \(combined\) \(1\):\n\s+line 3 \[indirect\] none: 这句话谁也认不出来是求助/,
    );
  });

  it('cross-validates on PsySUICIDE-style rows, per layer and per channel', async () => {
    const stdout = await evalCrisis('--cv', 'tests/fixtures/crisis/classifier-training.jsonl');
    expect(stdout).toMatch(/cross-validated, 5 stratified folds, 36 rows \(1 with risk null left out\)/);
    expect(stdout).toMatch(/\n {2}combined\s+\d\.\d{3} \(\d+\/16\)\s+\d\.\d{3} \(\d+\/20\)/);
    expect(stdout).toMatch(/\n {4}client_machine\s+n=18/);
    expect(stdout).toMatch(/\n {4}social_media\s+n=18/);
    expect(stdout).toMatch(
      /thresholds medium\/high and L2 chosen inside each fold's training rows: ([\d.]+\/(?:[\d.]+|never)\/[\d.]+, ){4}/,
    );
    expect(stdout).not.toContain('安眠药');
  });

  it('reads urgency-level files and dialogue files too', async () => {
    const urgency = writeLines('levels.jsonl', [
      { text: '不想活了', level: 5 },
      { text: '今天好冷', level: 0 },
    ]);
    const dialogues = writeLines('dialogues.jsonl', [
      {
        id: 'd1',
        turns: [
          { role: 'user', content: '我买了很多安眠药' },
          { role: 'agent', content: '…' },
          { role: 'user', content: '我准备好了' },
        ],
      },
    ]);
    const stdout = await evalCrisis(urgency, dialogues);
    expect(stdout).toMatch(/\n {4}4–6\s+1\s+\d\.\d{3}\s+1\.000/);
    expect(stdout).toMatch(/\n {4}≥1\s+1\s/);
    expect(stdout).toMatch(/user turns=2\s+flagged alone=1 \(0\.500\)\s+with earlier user turns=2/);
  });
});

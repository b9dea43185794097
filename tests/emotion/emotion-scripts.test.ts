/**
 * The three emotion scripts as a user runs them, on small team-written fixtures (CI has no ../shared data):
 * classify-emotion keeps going past bad lines, eval-emotion reports both baselines, and
 * build-emotion-model gives byte-identical weights from the same input.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicEmotions } from '../../shared/emotion/basic-emotions.js';
import { classifyWithEmotionModel, compileEmotionModel } from '../../shared/emotion/emotion-model.js';
import { emotionModelFileSchema } from '../../shared/emotion/emotion-model-file.js';

const run = promisify(execFile);
const FIXTURES = path.join('tests', 'fixtures', 'emotion');
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'zhiji-emotion-scripts-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(script: string, args: string[], input = ''): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      '--import',
      'tsx',
      path.join('scripts', 'emotion-model', script),
      ...args,
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('npm run classify-emotion', () => {
  it('answers every input line in order, marks bad lines with an error and exits 1', async () => {
    const input = await readFile(path.join(FIXTURES, 'classify-input.jsonl'), 'utf8');
    const { code, stdout, stderr } = await runScript('classify-emotion.ts', [], input);
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.label ?? 'error')).toEqual([
      'happy',
      'sad',
      'error',
      'neutral',
      'error',
      'disgust',
    ]);
    expect(lines[2]).toEqual({ error: 'not valid JSON' });
    expect(Object.keys(lines[0].scores)).toEqual([...basicEmotions]);
    expect(stderr).toContain('2 bad line(s)');
    expect(code).toBe(1);
  });

  it('exits 0 when every line is good', async () => {
    const { code, stdout } = await runScript('classify-emotion.ts', [], '{"text":"气死我了"}\n');
    expect(JSON.parse(stdout).label).toBe('angry');
    expect(code).toBe(0);
  });
});

describe('npm run eval:emotion', () => {
  it('prints accuracy and macro-F1 per file and source beside both baselines, with a confusion matrix', async () => {
    const { code, stdout } = await runScript('eval-emotion.ts', [
      path.join(FIXTURES, 'labelled-sample.jsonl'),
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      '9 lines scored; skipped 1 without a basic label, 0 from training dialogues, 0 bad',
    );
    expect(stdout).toMatch(/^classifier +9 +\d+\.\d% +\d+\.\d%$/m);
    expect(stdout).toMatch(/^always-neutral +9 +11\.1% +/m);
    expect(stdout).toMatch(/^keyword baseline +9 /m);
    expect(stdout).toContain('gold \\ predicted');
    expect(stdout).toContain('-- source review-like');
    expect(stdout).toContain('-- source weibo-like');
  });

  it('gives the same figures as JSON with --json', async () => {
    const { stdout } = await runScript('eval-emotion.ts', [
      '--json',
      path.join(FIXTURES, 'labelled-sample.jsonl'),
    ]);
    const [result] = JSON.parse(stdout);
    expect(result.evaluation.unmappedLabels).toBe(1);
    expect(result.evaluation.alwaysNeutral.accuracy).toBeCloseTo(1 / 9, 10);
    expect(Object.keys(result.evaluation.bySource)).toEqual(['review-like', 'weibo-like']);
  });
});

describe('npm run build:emotion-model', () => {
  it('builds byte-identical weights twice from the same input, with the CPED attribution', async () => {
    const cped = path.join(FIXTURES, 'cped-like.jsonl');
    const outputs = [path.join(workDir, 'first.json'), path.join(workDir, 'second.json')];
    for (const out of outputs)
      await run(process.execPath, [
        '--import',
        'tsx',
        'scripts/emotion-model/rebuild-weights.ts',
        cped,
        '--out',
        out,
      ]);
    const [first, second] = await Promise.all(outputs.map((out) => readFile(out)));
    expect(first?.equals(second ?? Buffer.alloc(0))).toBe(true);

    const model = emotionModelFileSchema.parse(JSON.parse(first?.toString() ?? ''));
    expect(model.attribution).toMatch(/CPED.*scutcyr\/CPED.*Apache-2\.0/);
    // 30 lines: 3 have no basic label; dialogues 1_003, 2_002, 3_002 hold the 6 held-out ones.
    expect(model.training).toMatchObject({ trainingLines: 21, heldOutLines: 6, leftOutLines: 3 });
    expect(classifyWithEmotionModel('今天太开心了！', compileEmotionModel(model)).label).toBe('happy');
  });
});

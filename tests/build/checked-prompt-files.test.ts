/**
 * The build checks the crisis rules and weights once and hands the bundles the hashes of the bytes that
 * passed; a cold start skips the checks only for those very bytes. Read from source, nothing is skipped.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPromptFiles } from '../../scripts/checked-prompt-files.js';
import { readCheckedPromptJson } from '../../shared/prompt/read-prompt-file.js';
import { crisisModelFileSchema } from '../../shared/safety/crisis-model.js';
import { crisisPatternsSchema } from '../../shared/safety/crisis-patterns-schema.js';

const PROMPT_DIR = path.resolve('prompt');
const workDir = mkdtempSync(path.join(tmpdir(), 'zhiji-checked-prompts-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('checkPromptFiles (the build)', () => {
  it('gives the SHA-256 of the crisis rules and weights it checked', () => {
    expect(checkPromptFiles(PROMPT_DIR)).toEqual({
      'crisis-patterns.json': sha256(path.join(PROMPT_DIR, 'crisis-patterns.json')),
      'crisis-model.json': sha256(path.join(PROMPT_DIR, 'crisis-model.json')),
    });
  });

  it('fails the build on a broken pattern or weights file, naming it', () => {
    const broken = path.join(workDir, 'broken-patterns');
    cpSync(PROMPT_DIR, broken, { recursive: true });
    const patterns = JSON.parse(readFileSync(path.join(broken, 'crisis-patterns.json'), 'utf8'));
    patterns.rules[0].patterns = ['想(死'];
    writeFileSync(path.join(broken, 'crisis-patterns.json'), JSON.stringify(patterns));
    expect(() => checkPromptFiles(broken)).toThrow(/crisis-patterns\.json.*not a valid regular expression/);

    const brokenWeights = path.join(workDir, 'broken-weights');
    cpSync(PROMPT_DIR, brokenWeights, { recursive: true });
    const model = JSON.parse(readFileSync(path.join(brokenWeights, 'crisis-model.json'), 'utf8'));
    model.weights = { 想死: 0.5 };
    writeFileSync(path.join(brokenWeights, 'crisis-model.json'), JSON.stringify(model));
    expect(() => checkPromptFiles(brokenWeights)).toThrow(/crisis-model\.json: does not match its schema/);
  });
});

describe('the schemas a checked file skips', () => {
  // A file that skips its schema is used as read: a default or transform added to either schema would
  // make the skipped path differ from the checked one (crisis-patterns' one default is also applied in
  // compileCrisisRules).
  it('return the shipped crisis files unchanged', () => {
    for (const [fileName, schema] of [
      ['crisis-patterns.json', crisisPatternsSchema],
      ['crisis-model.json', crisisModelFileSchema],
    ] as const) {
      const raw = JSON.parse(readFileSync(path.join(PROMPT_DIR, fileName), 'utf8'));
      expect(schema.parse(raw), fileName).toEqual(raw);
    }
  });
});

describe('readCheckedPromptJson from source', () => {
  it('never counts a file as checked: the table is filled only in the bundles', () => {
    expect(readCheckedPromptJson(PROMPT_DIR, 'crisis-patterns.json').checkedAtBuild).toBe(false);
  });
});

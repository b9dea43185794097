/**
 * The build checks the crisis rules and weights once and hands the bundles the hashes of the bytes that
 * passed; a cold start skips the checks only for those very bytes. Read from source, nothing is skipped.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPromptFiles, compiledRulesShape } from '../../scripts/checked-prompt-files.js';
import { readCheckedPromptJson } from '../../shared/prompt/read-prompt-file.js';
import { compileCrisisRules } from '../../shared/safety/crisis-compile-rules.js';

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

describe('compiledRulesShape (how the build compares the checked and the unchecked compile)', () => {
  const rules = () =>
    compileCrisisRules(JSON.parse(readFileSync(path.join(PROMPT_DIR, 'crisis-patterns.json'), 'utf8')));

  it('tells apart rules that differ only inside a map or in a flag', () => {
    const original = compiledRulesShape(rules());
    const otherMap = rules();
    (otherMap.simplified as Map<string, string>).set('殺', '刹');
    expect(compiledRulesShape(otherMap)).not.toBe(original);
    const otherFlags = rules();
    (otherFlags as { persons: RegExp }).persons = new RegExp(otherFlags.persons.source, 'u');
    expect(compiledRulesShape(otherFlags)).not.toBe(original);
    expect(compiledRulesShape(rules())).toBe(original);
  });
});

describe('readCheckedPromptJson', () => {
  it('never counts a file as checked from source: the table is filled only in the bundles', () => {
    expect(readCheckedPromptJson(PROMPT_DIR, 'crisis-patterns.json').checkedAtBuild).toBe(false);
  });

  it('counts a file as checked only when its bytes hash as the table says', () => {
    const file = path.join(PROMPT_DIR, 'crisis-patterns.json');
    const table = { 'crisis-patterns.json': sha256(file) };
    expect(readCheckedPromptJson(PROMPT_DIR, 'crisis-patterns.json', table).checkedAtBuild).toBe(true);
    const edited = path.join(workDir, 'edited');
    cpSync(PROMPT_DIR, edited, { recursive: true });
    // One byte more (a trailing newline): the same rules, but not the bytes the build checked.
    writeFileSync(path.join(edited, 'crisis-patterns.json'), `${readFileSync(file, 'utf8')}\n`);
    expect(readCheckedPromptJson(edited, 'crisis-patterns.json', table).checkedAtBuild).toBe(false);
    expect(readCheckedPromptJson(PROMPT_DIR, 'crisis-model.json', table).checkedAtBuild).toBe(false);
  });
});

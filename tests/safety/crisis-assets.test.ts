/**
 * The crisis files in prompt/: the fixed reply gives every hotline, the resources are the verified list,
 * and a broken edit of the pattern file is refused with the entry named, never silently loaded.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledRulesShape } from '../../scripts/checked-prompt-files.js';
import { AppError } from '../../shared/errors/app-error.js';
import { loadCrisisAssets } from '../../shared/safety/load-crisis-assets.js';
import { compileCrisisRules } from '../../shared/safety/screen-crisis-risk.js';

const PROMPT_DIR = fileURLToPath(new URL('../../prompt', import.meta.url));
const HOTLINES = ['12356', '400-161-9995', '010-82951332', '800-810-1117', '110', '120'];
const rawPatterns = (): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(PROMPT_DIR, 'crisis-patterns.json'), 'utf8'));
const workDir = mkdtempSync(path.join(tmpdir(), 'zhiji-crisis-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('prompt/ crisis files', () => {
  const assets = loadCrisisAssets(PROMPT_DIR);

  it('gives every hotline in the fixed high-risk reply', () => {
    for (const phone of HOTLINES) expect(assets.responseTemplate).toContain(phone);
    expect(assets.responseTemplate).toContain('希望24热线');
    expect(assets.responseTemplate).toContain('全国心理援助热线');
  });

  it('lists the verified resources, in Chinese', () => {
    expect(assets.resources).toEqual([
      { name: '全国心理援助热线', phone: '12356' },
      { name: '希望24热线', phone: '400-161-9995' },
      { name: '北京心理危机研究与干预中心', phone: '010-82951332', note: '座机可拨 800-810-1117' },
      { name: '紧急情况：报警', phone: '110' },
      { name: '紧急情况：急救', phone: '120' },
    ]);
  });

  it('has guidance for the model that asks about safety and forbids methods', () => {
    expect(assets.guidance).toContain('安全');
    expect(assets.guidance).toContain('12356');
    expect(assets.guidance).toContain('不提供任何可能造成伤害的方法');
  });
});

describe('compileCrisisRules: a broken pattern file', () => {
  function withRule(change: Record<string, unknown>): Record<string, unknown> {
    const raw = rawPatterns();
    const rules = raw.rules as Record<string, unknown>[];
    rules[2] = { ...rules[2], ...change };
    return raw;
  }

  it('names the entry with a wrong level', () => {
    expect(() => compileCrisisRules(withRule({ level: 'urgent' }))).toThrow(
      /rules\[2\]\.level \(id "[a-z_]+"\): invalid_value \(expected one of medium, high\)/,
    );
  });

  it('names the pattern that is not a regular expression', () => {
    expect(() => compileCrisisRules(withRule({ patterns: ['想(死'] }))).toThrow(
      /rules\[2\] \(id "[a-z_]+"\) pattern 1 "想\(死" is not a valid regular expression/,
    );
  });

  it('names an unknown {term} and a pattern that would match every message', () => {
    expect(() => compileCrisisRules(withRule({ patterns: ['{no_such_term}'] }))).toThrow(
      /unknown term \{no_such_term\}/,
    );
    expect(() => compileCrisisRules(withRule({ patterns: ['(?:想死)?'] }))).toThrow(/matches empty text/);
  });

  it('names a 繁简 entry that is not a pair', () => {
    expect(() => compileCrisisRules({ ...rawPatterns(), traditional_to_simplified: '殺杀 藥' })).toThrow(
      /traditional_to_simplified has "藥"/,
    );
  });

  it('refuses something that is not a pattern file at all', () => {
    expect(() => compileCrisisRules({ version: 2 })).toThrow(/crisis-patterns\.json is invalid: version/);
    expect(() => compileCrisisRules(null)).toThrow(/crisis-patterns\.json is invalid/);
  });
});

describe('loadCrisisAssets: a broken prompt directory', () => {
  function promptCopy(name: string): string {
    const directory = path.join(workDir, name);
    cpSync(PROMPT_DIR, directory, { recursive: true });
    return directory;
  }

  it('is a configuration error when the reply leaves out a hotline', () => {
    const directory = promptCopy('missing-hotline');
    const reply = readFileSync(path.join(directory, 'crisis-response.txt'), 'utf8');
    writeFileSync(path.join(directory, 'crisis-response.txt'), reply.replace('400-161-9995', ''));
    expect(() => loadCrisisAssets(directory)).toThrow(AppError);
    expect(() => loadCrisisAssets(directory)).toThrow(/does not give the hotline\(s\) 400-161-9995/);
  });

  it('is a configuration error naming the file when the JSON does not parse', () => {
    const directory = promptCopy('bad-json');
    writeFileSync(path.join(directory, 'crisis-patterns.json'), '{ "version": 1,');
    expect(() => loadCrisisAssets(directory)).toThrow(/crisis-patterns\.json: is not valid JSON/);
  });
});

describe('compileCrisisRules on a file the build checked', () => {
  // The build's own comparison: expressions by source and flags, the 繁简 map by its entries.
  const shape = compiledRulesShape;

  it('compiles the same rules without the schema and per-pattern checks', () => {
    expect(shape(compileCrisisRules(rawPatterns(), { checkedAtBuild: true }))).toBe(
      shape(compileCrisisRules(rawPatterns())),
    );
  });

  it('gives object_markers the schema default when the file leaves it out', () => {
    const raw = rawPatterns();
    const { object_markers: _left, ...persons } = raw.persons as Record<string, unknown>;
    const withoutMarkers = { ...raw, persons };
    expect(shape(compileCrisisRules(withoutMarkers, { checkedAtBuild: true }))).toBe(
      shape(compileCrisisRules(withoutMarkers)),
    );
  });
});

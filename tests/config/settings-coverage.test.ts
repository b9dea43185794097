/**
 * One source for the settings: the schema in shared/config/environment-schema.ts. Every place that lists
 * settings by hand must list exactly the schema's, so a setting added, renamed or removed there fails
 * here until `.env.example`, `cloudbaserc.json` and the README follow.
 *
 * The rules:
 * - `.env.example` names every setting once, as `KEY=value` or commented `# KEY=value`.
 * - `cloudbaserc.json` passes each function exactly the settings whose `readBy` names it: none it never
 *   reads (local-only settings such as PORT, or chat's model settings to history), none missing.
 * - The README's `## Configuration` section has one table row per setting, its first cell the backticked
 *   name: `| \`NAME\` | default | meaning |`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeSettings } from '../../scripts/describe-settings.js';
import type { FunctionName } from '../../shared/config/environment-schema.js';

const settings = describeSettings();
const names = settings.map((setting) => setting.name).sort();

/** What is missing from a listing and what it names that is not a setting, with names listed twice. */
function compare(listed: string[], expected: readonly string[] = names) {
  return {
    missing: expected.filter((name) => !listed.includes(name)),
    unknown: listed.filter((name) => !expected.includes(name)),
    twice: listed.filter((name, index) => listed.indexOf(name) !== index),
  };
}
const complete = { missing: [], unknown: [], twice: [] };

/** `KEY=` at the start of a line, commented out or not. */
function envExampleNames(text: string): string[] {
  return [...text.matchAll(/^#?[ \t]*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1] as string);
}

/** The first cells of the rows under `## Configuration` that are one backticked UPPER_SNAKE name. */
function readmeTableNames(text: string): string[] | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.trim() === '## Configuration');
  if (start === -1) return undefined;
  const end = lines.findIndex((line, index) => index > start && /^##? /.test(line));
  return lines
    .slice(start + 1, end === -1 ? undefined : end)
    .flatMap((line) => /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(line)?.[1] ?? []);
}

describe('the settings schema', () => {
  it('documents every setting with one line of meaning and a default', () => {
    expect(settings.length).toBeGreaterThan(40);
    for (const setting of settings) {
      expect(setting.about, setting.name).toMatch(/^[^\n|]{8,}$/);
      expect(setting.unset, setting.name).toMatch(/^[^\n|]+$/);
    }
  });
});

describe('.env.example', () => {
  it('names every setting exactly once, and nothing else', () => {
    expect(compare(envExampleNames(readFileSync('.env.example', 'utf8')))).toEqual(complete);
  });

  it('is checked by a parser that sees a missing and an unknown setting', () => {
    const withoutOne = envExampleNames('OPENAI_API_KEY=\n# LLM_MODEL=deepseek-chat\n# NOT_A_SETTING=1\n');
    expect(withoutOne).toEqual(['OPENAI_API_KEY', 'LLM_MODEL', 'NOT_A_SETTING']);
    expect(compare(withoutOne).unknown).toEqual(['NOT_A_SETTING']);
    expect(compare(withoutOne).missing).toContain('LOG_LEVEL');
  });
});

describe('cloudbaserc.json', () => {
  const deployment = JSON.parse(readFileSync('cloudbaserc.json', 'utf8')) as {
    functions: { name: FunctionName; envVariables: Record<string, string> }[];
  };

  it.each(['chat', 'chat-stream', 'history'] as const)('passes %s exactly the settings it reads', (name) => {
    const entry = deployment.functions.find((candidate) => candidate.name === name);
    const readBy = settings.filter((setting) => setting.readBy.includes(name)).map((setting) => setting.name);
    expect(compare(Object.keys(entry?.envVariables ?? {}), readBy)).toEqual(complete);
  });

  it('passes no setting to a function the schema does not say reads it', () => {
    const localOnly = settings
      .filter((setting) => setting.readBy.length === 0)
      .map((setting) => setting.name);
    expect(localOnly).toEqual(expect.arrayContaining(['PORT', 'HOST', 'DATA_DIR', 'TENCENTCLOUD_RUNENV']));
    for (const entry of deployment.functions) {
      expect(Object.keys(entry.envVariables).filter((key) => localOnly.includes(key as never))).toEqual([]);
    }
  });
});

describe('docs/configuration.md', () => {
  it('explains every setting in one table row, and nothing else', () => {
    const rows = readFileSync('docs/configuration.md', 'utf8')
      .split('\n')
      .flatMap((line) => /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(line)?.[1] ?? []);
    expect(compare(rows)).toEqual(complete);
  });
});

describe('README.md', () => {
  it('has a configuration table with one row per setting, and no row for anything else', () => {
    const listed = readmeTableNames(readFileSync('README.md', 'utf8'));
    expect(listed, 'README.md has a `## Configuration` heading').toBeDefined();
    expect(compare(listed ?? [])).toEqual(complete);
  });

  it('is checked by a parser that reads only single-name rows of that section', () => {
    const text = [
      '## Quick start',
      '| `PORT` | 5000 | not this section |',
      '## Configuration',
      '| Setting | Default | Meaning |',
      '| --- | --- | --- |',
      '| `LOG_LEVEL` | `info` | levels |',
      '| `LLM_MAX_TOKENS` / `LLM_TEMPERATURE` | `800` / `0.7` | two in one row |',
      '| `NOT_A_SETTING` | — | unknown |',
      '### Storage',
      '| `HOST` | 127.0.0.1 | a subsection still belongs to the section |',
      '## Storage',
      '| `DATA_DIR` | ./data | another section |',
    ].join('\n');
    expect(readmeTableNames(text)).toEqual(['LOG_LEVEL', 'NOT_A_SETTING', 'HOST']);
    expect(readmeTableNames('# Title\n| `PORT` | 1 | x |')).toBeUndefined();
  });
});

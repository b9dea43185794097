import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { implementationFile, writeCodeCachedLoader } from '../../scripts/code-cached-loader.js';

/** What a fresh node process gets from requiring the loader: the implementation's answer, or the error. */
function requireInFreshNode(loaderPath: string): string {
  return execFileSync(
    process.execPath,
    ['-e', `console.log(require(${JSON.stringify(loaderPath)}).answer())`],
    {
      encoding: 'utf8',
    },
  ).trim();
}

describe('code-cached loaders', () => {
  let directory = '';
  let loaderPath = '';
  beforeEach(async () => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'zhiji-code-cache-'));
    loaderPath = path.join(directory, 'vendor.js');
    writeFileSync(
      implementationFile(loaderPath),
      "exports.answer = () => 'cached ' + require('node:path').sep;\n",
    );
    await writeCodeCachedLoader(loaderPath);
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('load the implementation with its cache', () => {
    expect(readFileSync(`${implementationFile(loaderPath)}.cache`).length).toBeGreaterThan(32);
    expect(requireInFreshNode(loaderPath)).toBe('cached /');
  });

  it('never run a stale cache: an implementation changed to the same length compiles afresh', () => {
    // V8 checks only the source's length; the loader's SHA-256 is what keeps an old cache out.
    writeFileSync(
      implementationFile(loaderPath),
      "exports.answer = () => 'changed ' + require('node:path').sep;\n",
    );
    expect(requireInFreshNode(loaderPath)).toBe('changed /');
  });

  it('compile as usual when the cache is missing or refused by V8', () => {
    const cachePath = `${implementationFile(loaderPath)}.cache`;
    const cache = readFileSync(cachePath);
    writeFileSync(cachePath, Buffer.concat([cache.subarray(0, 32), Buffer.from('not a V8 code cache')]));
    expect(requireInFreshNode(loaderPath)).toBe('cached /');
    writeFileSync(cachePath, '');
    expect(requireInFreshNode(loaderPath)).toBe('cached /');
  });
});

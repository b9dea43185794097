import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { implementationFile, writeCodeCachedLoader } from '../../scripts/code-cached-loader.js';

/** What a fresh node process gets from requiring the loader (the implementation's answer), and its warnings. */
function requireInFreshNode(loaderPath: string): { answer: string; cacheUnused: boolean } {
  const script = `console.log(require(${JSON.stringify(loaderPath)}).answer())`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return { answer: child.stdout.trim(), cacheUnused: child.stderr.includes('code_cache.unused') };
}

describe('code-cached loaders', () => {
  let directory = '';
  let loaderPath = '';
  beforeEach(async () => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'zhiji-code-cache-'));
    loaderPath = path.join(directory, 'vendor.js');
    writeFileSync(
      implementationFile(loaderPath),
      [
        "exports.answer = () => 'cached ' + require('node:path').sep;",
        // Compiled only when called: in the cache only when a warm-up calls it.
        'exports.unused = () => [1, 2, 3].map((number) => number * 2).join();',
      ].join('\n'),
    );
    await writeCodeCachedLoader(loaderPath);
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('load the implementation with its cache', () => {
    expect(readFileSync(`${implementationFile(loaderPath)}.cache`).length).toBeGreaterThan(32);
    expect(requireInFreshNode(loaderPath)).toEqual({ answer: 'cached /', cacheUnused: false });
  });

  it('never run a stale cache: an implementation changed to the same length compiles afresh', () => {
    // V8 checks only the source's length; the loader's SHA-256 is what keeps an old cache out.
    const implementation = implementationFile(loaderPath);
    const original = readFileSync(implementation, 'utf8');
    const changed = original.replace("'cached '", "'cachex '");
    expect(changed.length).toBe(original.length);
    writeFileSync(implementation, changed);
    expect(requireInFreshNode(loaderPath)).toEqual({ answer: 'cachex /', cacheUnused: true });
  });

  it('keep in the cache what the warm-up ran, not only the top level', async () => {
    const bare = readFileSync(`${implementationFile(loaderPath)}.cache`).length;
    await writeCodeCachedLoader(loaderPath, { script: 'loaded.unused();', environment: {} });
    expect(readFileSync(`${implementationFile(loaderPath)}.cache`).length).toBeGreaterThan(bare);
    expect(requireInFreshNode(loaderPath)).toEqual({ answer: 'cached /', cacheUnused: false });
  });

  it('compile as usual when the cache is missing or refused by V8', () => {
    const cachePath = `${implementationFile(loaderPath)}.cache`;
    const cache = readFileSync(cachePath);
    writeFileSync(cachePath, Buffer.concat([cache.subarray(0, 32), Buffer.from('not a V8 code cache')]));
    expect(requireInFreshNode(loaderPath)).toEqual({ answer: 'cached /', cacheUnused: true });
    writeFileSync(cachePath, '');
    expect(requireInFreshNode(loaderPath)).toEqual({ answer: 'cached /', cacheUnused: true });
  });
});

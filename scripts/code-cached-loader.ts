import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A function's bundle and each vendor file (an SDK bundle) ship as `x.impl.js` and a V8 code cache of it;
 * `x.js` is a small loader that compiles the implementation with that cache. Compiling the SDKs is most of a cold start's cost
 * (measured: the CloudBase SDK 65 → 30 ms, openai 25 → 5 ms of CPU), and the platform keeps no cache
 * of its own between instances. The cache is used only when the implementation's SHA-256 matches the
 * one stored with it and V8 accepts it (same V8 version and flags); otherwise the file compiles as usual,
 * so a different runtime is slower, never wrong.
 */
export function implementationFile(vendorFile: string): string {
  return vendorFile.replace(/\.js$/, '.impl.js');
}

function loaderSource(implementationName: string): string {
  return `'use strict';
// Loads ${implementationName} with the V8 code cache made by the build (scripts/code-cached-loader.ts).
const { readFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const path = require('node:path');
const vm = require('node:vm');
const { wrap } = require('node:module');
const file = path.join(__dirname, ${JSON.stringify(implementationName)});
// The bytes are hashed, not the string: hashing a string encodes it to UTF-8 again first.
const bytes = readFileSync(file);
const source = bytes.toString('utf8');
let cachedData;
try {
  const cache = readFileSync(file + '.cache');
  const hash = createHash('sha256').update(bytes).digest();
  if (cache.subarray(0, 32).equals(hash)) cachedData = cache.subarray(32);
} catch {}
const script = new vm.Script(wrap(source), { filename: file, cachedData });
if (cachedData === undefined || script.cachedDataRejected) {
  // One line per cold start, so the operator sees when the runtime's V8 or flags make the cache useless.
  console.warn(JSON.stringify({ level: 'warn', event: 'code_cache.unused', file: ${JSON.stringify(implementationName)} }));
}
script.runInThisContext().call(module.exports, module.exports, require, module, file, __dirname);
`;
}

/**
 * Runs the implementation once in a fresh node, as a cold start does, then the warm-up (a first call of
 * the function, offline), and keeps what V8 compiled: the functions a first call runs come from the cache
 * too, not only the module's top level.
 */
const makeCache = `
const { readFileSync, writeFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire, wrap } = require('node:module');
const [file, warmUp] = process.argv.slice(1);
const bytes = readFileSync(file);
const source = bytes.toString('utf8');
const script = new vm.Script(wrap(source), { filename: file });
const module = { exports: {} };
script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
const warm = new Function('loaded', 'return (async () => {' + (warmUp ?? '') + '})()');
warm(module.exports).then(() => {
  const hash = createHash('sha256').update(bytes).digest();
  writeFileSync(file + '.cache', Buffer.concat([hash, script.createCachedData()]));
});
`;

export interface WarmUp {
  /** The body of an async function of `loaded` (the module's exports); it throws when the call fails. */
  script: string;
  environment: Record<string, string>;
}

export async function writeCodeCachedLoader(vendorPath: string, warmUp?: WarmUp): Promise<void> {
  const implementationPath = implementationFile(vendorPath);
  await writeFile(vendorPath, loaderSource(path.basename(implementationPath)));
  // A plain node with no flags of ours: V8 refuses a cache made under other flags.
  execFileSync(process.execPath, ['-e', makeCache, implementationPath, warmUp?.script ?? ''], {
    stdio: 'inherit',
    env: { PATH: process.env.PATH ?? '', TENCENTCLOUD: 'true', SILENCE: 'true', ...warmUp?.environment },
  });
}

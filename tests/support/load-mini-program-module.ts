import { readFileSync } from 'node:fs';
import vm from 'node:vm';

/**
 * Runs a mini-program file as the mini-program does: a CommonJS module in a realm of its own, with
 * `wx` and the timers, and none of Node's globals (no TextDecoder, no Buffer), so a file that leaned on
 * them would fail here as it would on an older base library.
 */
export function loadMiniProgramModule<Exports>(file: string, wx: unknown): Exports {
  const module = { exports: {} };
  vm.runInNewContext(readFileSync(file, 'utf8'), {
    module,
    exports: module.exports,
    wx,
    setTimeout,
    clearTimeout,
    console,
  });
  return module.exports as Exports;
}

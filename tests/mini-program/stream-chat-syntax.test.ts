/**
 * stream-chat.js is copied into mini-programs whose base library may parse ES2015 and no later: no
 * optional chaining, `??`, `**`, optional catch binding, object spread or async functions. esbuild
 * rewrites exactly such syntax when asked for ES2015, so the file must come out of that unchanged.
 */
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

const source = readFileSync('docs/mini-program/stream-chat.js', 'utf8');
const asTarget = (code: string, target: string) => transformSync(code, { target, format: 'cjs' }).code;

describe('stream-chat.js syntax', () => {
  it('uses nothing newer than ES2015', () => {
    expect(asTarget(source, 'es2015')).toBe(asTarget(source, 'esnext'));
  });

  it('would notice newer syntax (the check itself works)', () => {
    for (const newer of ['a?.b', 'a ?? b', '2 ** 3', 'try {} catch {}', '({ ...a })', 'async () => 1']) {
      expect(asTarget(newer, 'es2015'), newer).not.toBe(asTarget(newer, 'esnext'));
    }
  });

  it('leans on no Node or browser global the mini-program lacks', () => {
    const code = source.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
    expect(code).not.toMatch(/\b(TextDecoder|TextEncoder|Buffer|fetch|window|document|process|require)\b/);
  });
});

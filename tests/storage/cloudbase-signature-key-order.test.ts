import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { vendorBundleOptions } from '../../scripts/build.js';
import { sortWithoutCollator } from '../../scripts/cloudbase-sdk-plugins.js';
import { compareSignatureKeys, keepsRootOrder } from '../../shared/storage/cloudbase-signature-key-order.js';

const collation = (left: string, right: string) => Math.sign(left.localeCompare(right));

function namesUpTo(length: number, alphabet: readonly string[]): string[] {
  const names = [''];
  let previous = [''];
  for (let size = 1; size <= length; size += 1) {
    previous = previous.flatMap((name) => alphabet.map((character) => name + character));
    names.push(...previous);
  }
  return names;
}

function seededRandom(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('the signer key order', () => {
  it('is the collation on every pair of signed-name characters up to three long', () => {
    // Punctuation, digits, one letter in both cases, letters either side of it in the other case.
    const names = namesUpTo(3, ['_', '-', '0', '9', 'a', 'b', 'B', 'Z']);
    const mismatches: string[] = [];
    for (const left of names) {
      for (const right of names) {
        if (compareSignatureKeys(left, right) !== collation(left, right)) mismatches.push(`${left} ${right}`);
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it('is the collation on random longer names, and sorts the names the SDK signs the same way', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-';
    const random = seededRandom(20261205);
    const name = () =>
      Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * 64)]).join('');
    for (let pair = 0; pair < 20_000; pair += 1) {
      const left = name();
      // A shared start half of the time, so the later characters decide.
      const right = random() < 0.5 ? left.slice(0, 4) + name() : name();
      expect(compareSignatureKeys(left, right), `${left} ${right}`).toBe(collation(left, right));
    }
    const signed = ['x-tcb-source', 'User-Agent', 'content-type', 'host', 'x-tcb-region', 'querytype'];
    signed.push('collectionName', 'envName', 'wxCloudApiToken', 'tcb_sessionToken', 'requestData', 'upsert');
    expect([...signed].sort(compareSignatureKeys)).toEqual([...signed].sort((l, r) => l.localeCompare(r)));
  });

  it('takes its own order only under a locale that sorts these names as the root collation does', () => {
    for (const LANG of [undefined, '', 'C', 'C.UTF-8', 'POSIX', 'en_US.UTF-8', 'zh_CN.UTF-8', 'en']) {
      expect(keepsRootOrder({ LANG }), String(LANG)).toBe(true);
    }
    for (const LANG of ['da_DK.UTF-8', 'cs_CZ', 'lt_LT.UTF-8', 'sv_SE', 'tr_TR', 'C.UTF-8@x', 'POSIX@x']) {
      expect(keepsRootOrder({ LANG }), LANG).toBe(false);
    }
    // As ICU reads them: LC_ALL first, then LC_MESSAGES, then LANG.
    expect(keepsRootOrder({ LC_ALL: 'da_DK.UTF-8', LANG: 'en_US.UTF-8' })).toBe(false);
    expect(keepsRootOrder({ LC_MESSAGES: 'C', LANG: 'da_DK.UTF-8' })).toBe(true);
    // Danish really does reorder them, which is why such a locale gets localeCompare itself.
    expect('aa'.localeCompare('z', 'da')).toBe(1);
  });

  it('leaves any other name to localeCompare', () => {
    for (const [left, right] of [
      ['a.b', 'a-b'],
      ['ä', 'b'],
      ['x%20', 'x_'],
      ['名字', 'name'],
      ['a b', 'ab'],
    ] as const) {
      expect(compareSignatureKeys(left, right)).toBe(left.localeCompare(right));
      expect(compareSignatureKeys(right, left)).toBe(right.localeCompare(left));
    }
  });
});

describe('the signer as built', () => {
  it('signs a request exactly as the SDK in node_modules does', async () => {
    // The SDK vendor file's own options and plugins, with the signer as the entry.
    const options = vendorBundleOptions('@cloudbase/node-sdk', 'signature.js');
    const result = await build({
      ...options,
      stdin: { ...options.stdin, contents: "module.exports = require('@cloudbase/signature-nodejs');" },
      write: false,
      minify: false,
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).toContain('compareSignatureKeys');
    const built = { exports: {} as { sign: Signature } };
    new Function('module', 'exports', 'require', code)(built, built.exports, createRequire(import.meta.url));
    const original = createRequire(import.meta.url)('@cloudbase/signature-nodejs') as { sign: Signature };
    const request = {
      secretId: 'test-secret-id',
      secretKey: 'test-secret-key',
      method: 'POST',
      url: 'http://127.0.0.1:9/admin?env=test-env',
      params: { action: 'database.queryDocument', envName: 'test-env', collectionName: 'chat_sessions' },
      headers: {
        'User-Agent': 'tcb-node-sdk/3',
        'X-TCB-Source': ',scf',
        'content-type': 'application/json',
        Host: '127.0.0.1:9',
        'X-TCB-Region': 'ap-shanghai',
      },
      withSignedParams: true,
      timestamp: 1_764_900_000,
    };
    const signed = built.exports.sign(request);
    expect(signed.authorization).toBe(original.sign(request).authorization);
    expect(signed.authorization).toContain(
      'SignedHeaders=content-type;host;user-agent;x-tcb-region;x-tcb-source',
    );
  });

  it('fails the build when the signer is no longer where it was', async () => {
    const options = vendorBundleOptions('@cloudbase/node-sdk', 'nothing.js');
    const building = build({
      ...options,
      stdin: { ...options.stdin, contents: 'module.exports = 1;' },
      write: false,
      logLevel: 'silent',
    });
    await expect(building).rejects.toMatchObject({
      errors: [
        expect.objectContaining({ text: expect.stringContaining('was not in the bundle to rewrite') }),
      ],
    });
  });

  it('fails the build when the SDK no longer sorts as it did', () => {
    const sorted = 'Object.keys(obj).sort((l, r) => l.toString().localeCompare(r)).forEach(f);';
    expect(sortWithoutCollator(sorted)).toContain('.sort(require(');
    expect(() => sortWithoutCollator('Object.keys(obj).sort().forEach(f);')).toThrow(/sorts 0 times/);
    expect(() => sortWithoutCollator(sorted + sorted)).toThrow(/sorts 2 times/);
  });
});

type Signature = (request: Record<string, unknown>) => { authorization: string };

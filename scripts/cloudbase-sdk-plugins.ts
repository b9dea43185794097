import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

/**
 * Parts of @cloudbase/node-sdk this service never calls (AI, data models, file storage, custom login
 * tickets). The SDK requires them when it loads, which made its first use cost about 200 ms; here each
 * becomes a stub that records the call and throws. `init()` calls one of them (the data-model client,
 * in a try/catch of its own); the built-bundle test checks that nothing else ever does.
 */
const UNUSED_SDK_PARTS = [
  '@cloudbase/ai',
  '@cloudbase/app',
  '@cloudbase/wx-cloud-client-sdk',
  'web-streams-polyfill',
  'xml2js',
  'jsonwebtoken',
];

const stubUnusedSdkParts: Plugin = {
  name: 'stub-unused-sdk-parts',
  setup(pluginBuild) {
    const filter = new RegExp(
      `^(${UNUSED_SDK_PARTS.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`,
    );
    pluginBuild.onResolve({ filter }, (resolved) => ({ path: resolved.path, namespace: 'unused-sdk-part' }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'unused-sdk-part' }, (loaded) => ({
      contents: [
        // Calls are also recorded, so the built-bundle test sees one even when the SDK catches the error.
        `function unavailable() {`,
        `  (globalThis[Symbol.for('zhiji.unbundled-sdk-calls')] ??= []).push(${JSON.stringify(loaded.path)});`,
        `  throw new Error(${JSON.stringify(`${loaded.path} is not bundled here`)});`,
        '}',
        'module.exports = new Proxy(unavailable, {',
        "  get: (target, key) => (key === '__esModule' ? false : key === 'default' ? module.exports : unavailable),",
        '});',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * `form-data` (with mime-types and its 190 KB mime-db) is required when the SDK loads, but only used to
 * send a wx.openApi call: bundled as it is, it is evaluated on the first such call instead of at every
 * cold start (about 30 ms). The SDK code is unchanged; only when the package runs moves.
 */
const formDataOnFirstUse: Plugin = {
  name: 'form-data-on-first-use',
  setup(pluginBuild) {
    const realPath = createRequire(import.meta.url).resolve('form-data');
    pluginBuild.onResolve({ filter: /^form-data$/ }, () => ({
      path: 'form-data',
      namespace: 'form-data-on-first-use',
    }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'form-data-on-first-use' }, () => ({
      contents: [
        `function FormData(...args) { const Real = require(${JSON.stringify(realPath)}); return new Real(...args); }`,
        'module.exports = FormData;',
      ].join('\n'),
      loader: 'js',
      resolveDir: path.dirname(realPath),
    }));
  },
};

/**
 * form-data requires mime-types (and its 190 KB mime-db) when it loads, but looks a type up only for a
 * file part with a name; the SDK's wx.openApi call sends a Buffer without one, so here mime-types is
 * evaluated on its first use instead (about 8 ms of the first WeChat call). The package is unchanged.
 */
const mimeTypesOnFirstUse: Plugin = {
  name: 'mime-types-on-first-use',
  setup(pluginBuild) {
    const realPath = createRequire(createRequire(import.meta.url).resolve('form-data')).resolve('mime-types');
    pluginBuild.onResolve({ filter: /^mime-types$/ }, () => ({
      path: 'mime-types',
      namespace: 'mime-types-on-first-use',
    }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'mime-types-on-first-use' }, () => ({
      contents: [
        'let real;',
        `const load = () => (real ??= require(${JSON.stringify(realPath)}));`,
        'module.exports = new Proxy({}, {',
        '  get: (_target, key) => load()[key],',
        '  has: (_target, key) => key in load(),',
        '  ownKeys: () => Reflect.ownKeys(load()),',
        '  getOwnPropertyDescriptor: (_target, key) => {',
        '    const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);',
        '    return descriptor === undefined ? undefined : { ...descriptor, configurable: true };',
        '  },',
        '});',
      ].join('\n'),
      loader: 'js',
      resolveDir: path.dirname(realPath),
    }));
  },
};

const SORT_BY_LOCALE = '.sort((l, r) => l.toString().localeCompare(r))';
const KEY_ORDER_FILE = fileURLToPath(
  new URL('../shared/storage/cloudbase-signature-key-order.ts', import.meta.url),
);

/**
 * The signer's one `localeCompare` sort, pointed at the same order without ICU's collator (about 7 ms of
 * a cold start; shared/storage/cloudbase-signature-key-order.ts says why the order is the same). Throws
 * unless the source sorts exactly as the version this was written against, so an SDK update that
 * changes it fails the build instead of signing differently.
 */
export function sortWithoutCollator(keyValueSource: string): string {
  const sorts = keyValueSource.split(SORT_BY_LOCALE).length - 1;
  if (sorts !== 1) {
    throw new Error(
      `@cloudbase/signature-nodejs keyvalue.js sorts ${sorts} times as \`${SORT_BY_LOCALE}\`, not once: ` +
        'check the signer against shared/storage/cloudbase-signature-key-order.ts',
    );
  }
  return keyValueSource.replace(
    SORT_BY_LOCALE,
    `.sort(require(${JSON.stringify(KEY_ORDER_FILE)}).compareSignatureKeys)`,
  );
}

const signatureKeyOrder: Plugin = {
  name: 'signature-key-order',
  setup(pluginBuild) {
    let rewritten = false;
    pluginBuild.onStart(() => {
      rewritten = false;
    });
    pluginBuild.onLoad(
      { filter: /[\\/]@cloudbase[\\/]signature-nodejs[\\/]lib[\\/]keyvalue\.js$/ },
      async (loaded) => {
        rewritten = true;
        return { contents: sortWithoutCollator(await readFile(loaded.path, 'utf8')), loader: 'js' };
      },
    );
    // A signer that moved or was renamed would otherwise build quietly with the collator back.
    pluginBuild.onEnd((result) => {
      if (!rewritten && result.errors.length === 0) {
        throw new Error('@cloudbase/signature-nodejs lib/keyvalue.js was not in the bundle to rewrite');
      }
    });
  },
};

/** The plugins of the CloudBase SDK's vendor file (scripts/build.ts). */
export const CLOUDBASE_SDK_PLUGINS: Plugin[] = [
  stubUnusedSdkParts,
  formDataOnFirstUse,
  mimeTypesOnFirstUse,
  signatureKeyOrder,
];

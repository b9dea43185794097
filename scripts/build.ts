/**
 * `npm run build`: one self-contained CommonJS bundle per function under dist/functions/<name>/, with the
 * prompt files copied beside it, so the deploy needs no `npm install` (cloudbaserc: installDependency false).
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { PROPOSAL_PROMPT_FILE, SUMMARY_PROMPT_FILE } from '../shared/context/context-settings.js';
import { EMOTION_MODEL_FILE } from '../shared/emotion/load-emotion-model.js';
import { LABELS_FILE, PROMPT_FILE } from '../shared/prompt/load-prompt-assets.js';
import { CRISIS_ASSET_FILES } from '../shared/safety/load-crisis-assets.js';
import { BLOCKED_WORDS_FILE } from '../shared/safety/word-list-content-check.js';
import { implementationFile, writeCodeCachedLoader } from './code-cached-loader.js';
import { VENDOR_WARM_UPS } from './vendor-warm-ups.js';

export const FUNCTION_NAMES = ['chat', 'history'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * The two big SDKs go in files of their own beside the bundle, required only when first used: parsing
 * them at every cold start would cost more than the rest of the function. Each vendor file holds only
 * the package, so no class of ours exists twice.
 */
const VENDOR_PACKAGES: Record<string, string> = {
  openai: 'vendor/openai.js',
  '@cloudbase/node-sdk': 'vendor/cloudbase-node-sdk.js',
};

const vendorAsSeparateFiles: Plugin = {
  name: 'vendor-as-separate-files',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(openai|@cloudbase\/node-sdk)$/ }, (resolved) => ({
      path: `./${VENDOR_PACKAGES[resolved.path]}`,
      external: true,
    }));
  },
};

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

const sharedOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // Keeps stack traces in the CloudBase log console readable.
  keepNames: true,
  legalComments: 'linked',
  logLevel: 'warning',
} as const;
export const DEFAULT_OUTPUT_ROOT = 'dist/functions';

/**
 * How one function's own bundle is built (its vendor files are built apart). Exported so the layout test
 * (tests/build/shared-files-ship.test.ts) bundles exactly what ships.
 */
export function functionBundleOptions(name: FunctionName, outfile: string) {
  return {
    ...sharedOptions,
    entryPoints: [path.resolve('functions', name, 'index.ts')],
    outfile,
    plugins: [vendorAsSeparateFiles],
    // `import()` of a vendor file becomes a plain lazy require(), resolved beside the bundle.
    supported: { 'dynamic-import': false },
  } satisfies BuildOptions;
}

/**
 * The files each function reads from prompt/ beside its bundle: the chat function also the crisis and
 * word-list files and the emotion classifier's weights (read on its first use); history only the labels.
 */
export const PROMPT_FILES: Record<FunctionName, readonly string[]> = {
  chat: [
    PROMPT_FILE,
    LABELS_FILE,
    ...CRISIS_ASSET_FILES,
    BLOCKED_WORDS_FILE,
    EMOTION_MODEL_FILE,
    SUMMARY_PROMPT_FILE,
    PROPOSAL_PROMPT_FILE,
  ],
  history: [PROMPT_FILE, LABELS_FILE],
};

export async function buildFunctions(outputRootOption = DEFAULT_OUTPUT_ROOT): Promise<void> {
  const outputRoot = path.resolve(outputRootOption);
  await rm(outputRoot, { recursive: true, force: true });
  for (const name of FUNCTION_NAMES) {
    const outputDir = path.join(outputRoot, name);
    await build(functionBundleOptions(name, path.join(outputDir, implementationFile('index.js'))));
    const vendors =
      name === 'chat'
        ? Object.entries(VENDOR_PACKAGES)
        : [['@cloudbase/node-sdk', VENDOR_PACKAGES['@cloudbase/node-sdk']]];
    for (const [packageName, vendorFile] of vendors) {
      await build({
        ...sharedOptions,
        stdin: {
          contents: `module.exports = require(${JSON.stringify(packageName)});`,
          resolveDir: process.cwd(),
        },
        outfile: path.join(outputDir, implementationFile(vendorFile ?? '')),
        plugins:
          packageName === '@cloudbase/node-sdk'
            ? [stubUnusedSdkParts, formDataOnFirstUse, mimeTypesOnFirstUse]
            : [],
        // The code-cached loader compiles the file with vm.Script, which has no loader for `import()`:
        // any dynamic import becomes a require, as in the function bundles.
        supported: { 'dynamic-import': false },
      });
      await writeCodeCachedLoader(path.join(outputDir, vendorFile ?? ''), VENDOR_WARM_UPS[packageName ?? '']);
    }
    await mkdir(path.join(outputDir, 'prompt'), { recursive: true });
    for (const file of PROMPT_FILES[name]) {
      await copyFile(path.resolve('prompt', file), path.join(outputDir, 'prompt', file));
    }
    if (name === 'chat') {
      // WeChat's cloud calls (security.msgSecCheck) must be declared in the function's config.json.
      const permissions = { permissions: { openapi: ['security.msgSecCheck'] } };
      await writeFile(path.join(outputDir, 'config.json'), `${JSON.stringify(permissions, null, 2)}\n`);
    }
    // The project is "type": "module"; this marks the bundle as CommonJS wherever it is run from.
    const manifest = { name: `zhiji-${name}`, private: true, main: 'index.js', type: 'commonjs' };
    await writeFile(path.join(outputDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // Last, once the prompt files are beside it: the warm-up answers a first call from them.
    const warmUp = await warmUpFor(name);
    try {
      await writeCodeCachedLoader(path.join(outputDir, 'index.js'), warmUp);
    } finally {
      await rm(warmUp.environment.DATA_DIR, { recursive: true, force: true });
    }
  }
}

/**
 * A first call of the function, offline (local files in a temporary folder, the demo model, no WeChat
 * check), run when the code cache is made, so the cache holds what a first call compiles.
 */
async function warmUpFor(name: FunctionName) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zhiji-warm-up-'));
  const call =
    name === 'chat'
      ? {
          user_id: 'warm_up',
          session_id: 'warm_up',
          message: '最近总是睡不好，心里很乱。',
          client_msg_id: 'warm_up_1',
        }
      : { user_id: 'warm_up', session_id: 'warm_up' };
  return {
    script: `const result = await loaded.main(${JSON.stringify(call)}); if (result && result.error) throw new Error(result.error.code);`,
    environment: { STORAGE: 'local', DATA_DIR: dataDir, LLM_PROVIDER: 'offline', LOG_LEVEL: 'silent' },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildFunctions();
  console.info(`built ${FUNCTION_NAMES.map((name) => `dist/functions/${name}/index.js`).join(', ')}`);
}

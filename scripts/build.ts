/**
 * `npm run build`: one self-contained CommonJS bundle per function under dist/functions/<name>/, with the
 * prompt files copied beside it, so the deploy needs no `npm install` (cloudbaserc: installDependency false).
 */
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { PROPOSAL_PROMPT_FILE, SUMMARY_PROMPT_FILE } from '../shared/context/context-settings.js';
import { EMOTION_MODEL_FILE } from '../shared/emotion/load-emotion-model.js';
import { LABELS_FILE, PROMPT_FILE } from '../shared/prompt/load-prompt-assets.js';
import { CRISIS_ASSET_FILES } from '../shared/safety/load-crisis-assets.js';
import { BLOCKED_WORDS_FILE } from '../shared/safety/word-list-content-check.js';
import { checkedPromptHashes, checkPromptFiles } from './checked-prompt-files.js';
import { CLOUDBASE_SDK_PLUGINS } from './cloudbase-sdk-plugins.js';
import { implementationFile, writeCodeCachedLoader } from './code-cached-loader.js';
import { VENDOR_WARM_UPS } from './vendor-warm-ups.js';

/** The event functions (callFunction, HTTP access, timers): `index.main` is their handler. */
export const FUNCTION_NAMES = ['chat', 'history'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];
/** The HTTP functions (CloudBase's web-function type): scf_bootstrap starts the functions framework. */
export const HTTP_FUNCTION_NAMES = ['chat-stream'] as const;
export type HttpFunctionName = (typeof HTTP_FUNCTION_NAMES)[number];

/**
 * The two big SDKs go in files of their own beside the bundle, required only when first used: parsing
 * them at every cold start would cost more than the rest of the function. Each vendor file holds only
 * the package, so no class of ours exists twice.
 */
export const VENDOR_PACKAGES: Record<string, string> = {
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
export function functionBundleOptions(
  name: FunctionName | HttpFunctionName,
  outfile: string,
  promptHashes: Record<string, string> = {},
) {
  return {
    ...sharedOptions,
    entryPoints: [path.resolve('functions', name, 'index.ts')],
    outfile,
    plugins: [vendorAsSeparateFiles, checkedPromptHashes(promptHashes)],
    // `import()` of a vendor file becomes a plain lazy require(), resolved beside the bundle.
    supported: { 'dynamic-import': false },
  } satisfies BuildOptions;
}

/** How an SDK's vendor file is built. Exported, as functionBundleOptions, for the layout test. */
export function vendorBundleOptions(packageName: string, outfile: string) {
  return {
    ...sharedOptions,
    stdin: {
      contents: `module.exports = require(${JSON.stringify(packageName)});`,
      resolveDir: process.cwd(),
    },
    outfile,
    plugins: packageName === '@cloudbase/node-sdk' ? CLOUDBASE_SDK_PLUGINS : [],
    // The SDK's `Headers` and `FormData` without loading undici (shared/model/fetch-globals.ts).
    inject: packageName === 'openai' ? [path.resolve('shared/model/fetch-globals.ts')] : [],
    // The code-cached loader compiles the file with vm.Script, which has no loader for `import()`:
    // any dynamic import becomes a require, as in the function bundles.
    supported: { 'dynamic-import': false },
  } satisfies BuildOptions;
}

/**
 * The files each function reads from prompt/ beside its bundle: the chat function also the crisis and
 * word-list files and the emotion classifier's weights (read on its first use); history only the labels.
 */
const CHAT_PROMPT_FILES = [
  PROMPT_FILE,
  LABELS_FILE,
  ...CRISIS_ASSET_FILES,
  BLOCKED_WORDS_FILE,
  EMOTION_MODEL_FILE,
  SUMMARY_PROMPT_FILE,
  PROPOSAL_PROMPT_FILE,
];
export const PROMPT_FILES: Record<FunctionName | HttpFunctionName, readonly string[]> = {
  chat: CHAT_PROMPT_FILES,
  'chat-stream': CHAT_PROMPT_FILES,
  history: [PROMPT_FILE, LABELS_FILE],
};

export async function buildFunctions(outputRootOption = DEFAULT_OUTPUT_ROOT): Promise<void> {
  const outputRoot = path.resolve(outputRootOption);
  await rm(outputRoot, { recursive: true, force: true });
  // The bundles ship these very files (copied below), so the hashes hold for the deployed function.
  const promptHashes = checkPromptFiles(path.resolve('prompt'));
  for (const name of [...FUNCTION_NAMES, ...HTTP_FUNCTION_NAMES]) {
    const outputDir = path.join(outputRoot, name);
    await build(
      functionBundleOptions(name, path.join(outputDir, implementationFile('index.js')), promptHashes),
    );
    const vendors =
      name !== 'history'
        ? Object.entries(VENDOR_PACKAGES)
        : [['@cloudbase/node-sdk', VENDOR_PACKAGES['@cloudbase/node-sdk']]];
    for (const [packageName, vendorFile] of vendors) {
      await build(
        vendorBundleOptions(packageName ?? '', path.join(outputDir, implementationFile(vendorFile ?? ''))),
      );
      await writeCodeCachedLoader(path.join(outputDir, vendorFile ?? ''), VENDOR_WARM_UPS[packageName ?? '']);
    }
    await mkdir(path.join(outputDir, 'prompt'), { recursive: true });
    for (const file of PROMPT_FILES[name]) {
      await copyFile(path.resolve('prompt', file), path.join(outputDir, 'prompt', file));
    }
    if (name !== 'history') {
      // WeChat's cloud calls (security.msgSecCheck) must be declared in the function's config.json.
      const permissions = { permissions: { openapi: ['security.msgSecCheck'] } };
      await writeFile(path.join(outputDir, 'config.json'), `${JSON.stringify(permissions, null, 2)}\n`);
    }
    // The project is "type": "module"; this marks the bundle as CommonJS wherever it is run from.
    const manifest = { name: `zhiji-${name}`, private: true, main: 'index.js', type: 'commonjs' };
    await writeFile(path.join(outputDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    if (name === 'chat-stream') {
      await writeFrameworkLauncher(outputDir);
      // The HTTP function's instance serves many requests: its code cache is made without a first call.
      await writeCodeCachedLoader(path.join(outputDir, 'index.js'));
      continue;
    }
    // Last, once the prompt files are beside it: the warm-up answers a first call from them.
    const warmUp = await warmUpFor(name);
    try {
      await writeCodeCachedLoader(path.join(outputDir, 'index.js'), warmUp);
    } finally {
      await rm(warmUp.environment.DATA_DIR, { recursive: true, force: true });
    }
  }
}

/** The platform's framework for HTTP functions, from node_modules, and how its version is read. */
const FRAMEWORK_PACKAGE = '@cloudbase/functions-framework';
export const FRAMEWORK_DIR = 'functions-framework';
export const FRAMEWORK_LAUNCHER = `${FRAMEWORK_DIR}/tcb-ff.js`;

/**
 * The HTTP function's own server: `@cloudbase/functions-framework` (what CloudBase documents for HTTP
 * functions) bundled into one file, since the deploy installs nothing, beside a package.json of its name
 * and version (the framework reads its version from the nearest one); and the scf_bootstrap that starts
 * it on port 9000. The framework's watch mode (nodemon) is left out: its CLI is started directly.
 */
async function writeFrameworkLauncher(outputDir: string): Promise<void> {
  const require = createRequire(import.meta.url);
  // Its package.json is not in its exports: found from the main entry (build/index.js).
  const manifestPath = path.join(path.dirname(require.resolve(FRAMEWORK_PACKAGE)), '..', 'package.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { version: string; license: string };
  await build({
    ...sharedOptions,
    stdin: {
      contents: `require(${JSON.stringify(path.join(path.dirname(manifestPath), 'build', 'cli.js'))}).runCLI();`,
      resolveDir: process.cwd(),
    },
    outfile: path.join(outputDir, FRAMEWORK_LAUNCHER),
  });
  const frameworkManifest = {
    name: FRAMEWORK_PACKAGE,
    version: manifest.version,
    license: manifest.license,
    private: true,
    type: 'commonjs',
  };
  await writeFile(
    path.join(outputDir, FRAMEWORK_DIR, 'package.json'),
    `${JSON.stringify(frameworkManifest, null, 2)}\n`,
  );
  const bootstrap = path.join(outputDir, 'scf_bootstrap');
  await writeFile(bootstrap, SCF_BOOTSTRAP);
  await chmod(bootstrap, 0o755);
}

/**
 * What CloudBase runs to start an HTTP function (docs: a bash script named scf_bootstrap, executable, LF
 * line ends, an absolute path to node, listening on 0.0.0.0:9000, writing only under /tmp). The
 * framework's options: no request bodies or events in its logs (they hold what people wrote), no stack
 * traces to clients, its logs in /tmp, the platform's context header read. `SCF_BOOTSTRAP_NODE` and
 * `SCF_BOOTSTRAP_PORT` exist for the tests, which run this same script locally.
 */
export const SCF_BOOTSTRAP = `#!/bin/bash
cd "$(dirname "$0")" || exit 1
NODE="\${SCF_BOOTSTRAP_NODE:-/var/lang/node20/bin/node}"
exec "$NODE" ${FRAMEWORK_LAUNCHER} --port="\${SCF_BOOTSTRAP_PORT:-9000}" --logDirname=/tmp/logs \\
  --interceptOutput=false --logEventContext=false --logHeaderBody=false --captureStack=false \\
  --extendedContextKey=X-Cloudbase-Context
`;

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
  const names = [...FUNCTION_NAMES, ...HTTP_FUNCTION_NAMES];
  console.info(`built ${names.map((name) => `dist/functions/${name}/index.js`).join(', ')}`);
}

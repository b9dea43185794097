import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { build, transform } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  FUNCTION_NAMES,
  functionBundleOptions,
  HTTP_FUNCTION_NAMES,
  VENDOR_PACKAGES,
  vendorBundleOptions,
} from '../../scripts/build.js';

/**
 * Files another branch is moving out of shared/ (the crisis evaluation goes to scripts/crisis/). Listed
 * here until that branch is merged; a listed file that is gone fails the test, so the list cannot rot.
 */
const IMPORT_SPECIFIER = /\b(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g;

/** The project files a source imports by relative path, `.js` specifiers mapped to their `.ts` file. */
function relativeImports(file: string, source: string): string[] {
  return [...source.matchAll(IMPORT_SPECIFIER)].map((match) =>
    path.posix.join(path.posix.dirname(file), (match[1] ?? '').replace(/\.js$/, '.ts')),
  );
}

interface SharedFile {
  file: string;
  source: string;
  /** True when the file compiles to no JavaScript at all (only types), so no bundle can list it. */
  typesOnly: boolean;
}

/**
 * The shared files that ship in no function. A file that holds only types never appears in a bundle,
 * so it counts as shipped when a shipped file (or another such types-only file that is) imports it.
 */
function unshippedFiles(sharedFiles: readonly SharedFile[], bundleInputs: ReadonlySet<string>): string[] {
  const shipped = new Set(sharedFiles.filter(({ file }) => bundleInputs.has(file)).map(({ file }) => file));
  let grew = true;
  while (grew) {
    grew = false;
    const imported = new Set(
      sharedFiles
        .filter(({ file }) => shipped.has(file))
        .flatMap(({ file, source }) => relativeImports(file, source)),
    );
    for (const { file, typesOnly } of sharedFiles) {
      if (typesOnly && !shipped.has(file) && imported.has(file)) {
        shipped.add(file);
        grew = true;
      }
    }
  }
  return sharedFiles.map(({ file }) => file).filter((file) => !shipped.has(file));
}

async function readSharedFiles(): Promise<SharedFile[]> {
  const names = (await readdir('shared', { recursive: true }))
    .map((name) => path.posix.join('shared', name.split(path.sep).join('/')))
    .filter((name) => name.endsWith('.ts'))
    .sort();
  return Promise.all(
    names.map(async (file) => {
      const source = await readFile(file, 'utf8');
      const { code } = await transform(source, { loader: 'ts' });
      return { file, source, typesOnly: code.trim() === '' };
    }),
  );
}

/** The files the function bundles and the SDK vendor files (whose build may add a shared file) are built from. */
async function functionBundleInputs(): Promise<Set<string>> {
  const inputs = new Set<string>();
  const bundles = [
    ...[...FUNCTION_NAMES, ...HTTP_FUNCTION_NAMES].map((name) =>
      functionBundleOptions(name, path.resolve('dist', 'layout-check', name, 'index.js')),
    ),
    ...Object.keys(VENDOR_PACKAGES).map((packageName) =>
      vendorBundleOptions(packageName, path.resolve('dist', 'layout-check', 'vendor', `${packageName}.js`)),
    ),
  ];
  for (const options of bundles) {
    const result = await build({
      ...options,
      write: false,
      metafile: true,
      minify: false,
      logLevel: 'silent',
    });
    for (const input of Object.keys(result.metafile.inputs)) inputs.add(input.split(path.sep).join('/'));
  }
  return inputs;
}

describe('shared/', () => {
  it('holds only files some function bundle is built from', async () => {
    const [sharedFiles, inputs] = await Promise.all([readSharedFiles(), functionBundleInputs()]);
    expect(sharedFiles.length).toBeGreaterThan(50);
    const unshipped = unshippedFiles(sharedFiles, inputs);
    // Move build, training, evaluation and bench code under scripts/.
    expect(unshipped).toEqual([]);
  });
});

describe('the shipping check', () => {
  const shared = (file: string, source: string, typesOnly = false): SharedFile => ({
    file,
    source,
    typesOnly,
  });

  it('reports a file no bundle is built from', () => {
    const files = [
      shared('shared/a/run.ts', 'export const run = 1;'),
      shared('shared/a/train.ts', 'export const t = 1;'),
    ];
    expect(unshippedFiles(files, new Set(['shared/a/run.ts']))).toEqual(['shared/a/train.ts']);
  });

  it('accepts a types-only file a shipped file imports, also through another types-only file', () => {
    const files = [
      shared('shared/a/run.ts', "import type { Port } from '../b/port.js';\nexport const run = 1;"),
      shared('shared/b/port.ts', "import type { Inner } from './inner.js';\nexport interface Port {}", true),
      shared('shared/b/inner.ts', 'export interface Inner {}', true),
    ];
    expect(unshippedFiles(files, new Set(['shared/a/run.ts']))).toEqual([]);
  });

  it('reports a types-only file that only unshipped code imports', () => {
    const files = [
      shared('shared/a/run.ts', 'export const run = 1;'),
      shared('shared/a/train.ts', "import type { Row } from './row.js';\nexport const t = 1;"),
      shared('shared/a/row.ts', 'export interface Row {}', true),
    ];
    expect(unshippedFiles(files, new Set(['shared/a/run.ts']))).toEqual([
      'shared/a/train.ts',
      'shared/a/row.ts',
    ]);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PlaygroundFile {
  file: string;
  contentType: string;
}

const PLAYGROUND_DIR = fileURLToPath(new URL('./playground/', import.meta.url));

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page's own files and nothing else: the folder is listed once and served from that list, so no
 * path a request makes up (`/../.env`, `/%2e%2e/data`) can reach another file. Each file is read when
 * asked for, so an edited page shows on reload.
 */
export function loadPlaygroundFiles(directory: string = PLAYGROUND_DIR): Map<string, PlaygroundFile> {
  const files = new Map<string, PlaygroundFile>();
  for (const relative of readdirSync(directory, { recursive: true, encoding: 'utf8' })) {
    const contentType = contentTypes[path.extname(relative)];
    if (contentType === undefined) continue;
    files.set(`/${relative.split(path.sep).join('/')}`, {
      file: path.join(directory, relative),
      contentType,
    });
  }
  const index = files.get('/index.html');
  if (index !== undefined) files.set('/', index);
  return files;
}

/**
 * Headers for every page file: the page loads only its own files and talks only to its own origin, so a
 * reply the model wrote can never run as script, and no other site may frame it.
 */
export const playgroundHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** Answers a GET or HEAD for one of the page's files; false when the path is not one of them. */
export function servePlaygroundFile(
  files: ReadonlyMap<string, PlaygroundFile>,
  request: { method: string; pathname: string },
  respond: (status: number, headers: Record<string, string>, body: Buffer | undefined) => void,
): boolean {
  const found = files.get(request.pathname);
  if (found === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
  const body = readFileSync(found.file);
  respond(
    200,
    { ...playgroundHeaders, 'content-type': found.contentType },
    request.method === 'HEAD' ? undefined : body,
  );
  return true;
}

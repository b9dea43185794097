/**
 * The playground's files as `npm start` serves them: the page and its own files only, with a policy that
 * keeps model text from ever running as script; the local server's guard still holds for the page and
 * for the stream (another site, a foreign Host). Every expression in the label file has its sprite.
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalServer } from '../../scripts/local-server.js';
import { loadDefaultLabelSet } from '../emotion/label-sets.js';

let server: http.Server;
let port: number;
const calls: string[] = [];

beforeAll(async () => {
  const answer = async (event: unknown) => {
    calls.push((event as { path: string }).path);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
  };
  server = createLocalServer({ host: '127.0.0.1', maxRequestBytes: 4096, chat: answer, history: answer });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** A raw request, so the path, Host and Origin are exactly what the test says. */
function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => {
            body += chunk.toString();
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
          );
        },
      );
      request.on('error', reject);
      request.end();
    },
  );
}

describe('npm start: the playground page', () => {
  it('serves the page at / with a policy that runs only its own script and talks only to its origin', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script type="module" src="/app.js">');
    const policy = page.headers['content-security-policy'] ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await get('/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await get('/', {}, 'HEAD');
    expect([head.status, head.body]).toEqual([200, '']);
  });

  it('serves nothing outside its folder, however the path is spelled', async () => {
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/sprites/../../local-server.ts',
      '/.env',
    ]) {
      const answer = await get(path);
      expect(answer.headers['content-type'], path).not.toMatch(/text\/(html|javascript)|svg/);
      expect(answer.body, path).not.toContain('zhiji-chat-backend');
    }
    // Those went to the functions as unknown API paths, as before the page existed.
    expect(calls.length).toBeGreaterThan(0);
  });

  it('keeps the guard: a foreign Host gets no page, another site posts nothing', async () => {
    const rebinding = await get('/', { host: 'attacker.example' });
    expect(rebinding.status).toBe(403);
    expect(rebinding.body).toContain('FORBIDDEN_ORIGIN');
    calls.length = 0;
    const crossSite = await get('/api/chat/stream', { origin: 'https://attacker.example' }, 'POST');
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toContain('FORBIDDEN_ORIGIN');
    // The page's own requests pass: same origin, as a browser sends them.
    const sameOrigin = await get(
      '/api/chat/history?action=labels',
      { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' },
      'GET',
    );
    expect(sameOrigin.status).toBe(200);
    expect(calls).toEqual(['/api/chat/history']);
  });
});

describe('the monster sprites', () => {
  const sprites = readdirSync('scripts/playground/sprites');

  it('has an SVG for every expression in the label file, named by its sprite', () => {
    const labelSet = loadDefaultLabelSet();
    expect(labelSet.labels).toHaveLength(8);
    for (const entry of labelSet.labels) {
      expect(sprites, entry.label).toContain(`${entry.sprite}.svg`);
      const svg = readFileSync(`scripts/playground/sprites/${entry.sprite}.svg`, 'utf8');
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 120 120"/);
      expect(svg).toContain(`<title>小怪兽：${entry.name_zh}</title>`);
      expect(svg.trim().endsWith('</svg>')).toBe(true);
      // Drawn, not embedded: no script, no external reference.
      expect(svg).not.toMatch(/<script|href=|url\(/);
    }
    const fallback = labelSet.labels.find((entry) => entry.label === labelSet.fallback);
    expect(sprites).toContain(`${fallback?.sprite}.svg`);
  });

  it('draws eight different faces', () => {
    const drawings = sprites.map((file) => readFileSync(`scripts/playground/sprites/${file}`, 'utf8'));
    expect(new Set(drawings).size).toBe(8);
  });
});

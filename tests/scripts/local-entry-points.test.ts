import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../scripts/build.js';

const run = promisify(execFile);
let workDir: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Without the model key or any provider setting, as a front-end developer's machine may be. */
function offlineEnvironment(dataDir: string, extra: Record<string, string> = {}) {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NO_DOTENV: '1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'zhiji-entry-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('npm start', () => {
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill('SIGTERM');
  });

  it('serves the original HTTP contract with the labelled offline demo when there is no key', async () => {
    const port = await freePort();
    const dataDir = path.join(workDir, 'served-data');
    server = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve-local.ts'], {
      env: offlineEnvironment(dataDir, { PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const banner = await new Promise<string>((resolve, reject) => {
      let output = '';
      server?.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('/api/chat/history')) resolve(output);
      });
      server?.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    expect(banner).toContain('offline demo');

    const base = `http://127.0.0.1:${port}`;
    const chatResponse = await fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'dev', session_id: 'demo', message: '今天有点难过' }),
    });
    expect(chatResponse.status).toBe(200);
    const reply = (await chatResponse.json()) as { content: string; emotion: string };
    expect(reply.content).toContain('离线演示');
    expect(reply.emotion).toBe('sad');

    const historyResponse = await fetch(`${base}/api/chat/history?user_id=dev&session_id=demo`);
    const history = (await historyResponse.json()) as { messages: { role: string }[] };
    expect(history.messages.map((message) => message.role)).toEqual(['user', 'agent']);
    expect(await readdir(dataDir)).toEqual(expect.arrayContaining(['sessions.json', 'dev']));

    const badResponse = await fetch(`${base}/api/chat`, { method: 'POST', body: '{' });
    expect(badResponse.status).toBe(400);
  });
});

describe('npm run invoke', () => {
  it('runs a built function once with a simulated WeChat context', async () => {
    const distDir = path.join(workDir, 'dist');
    await buildFunctions(distDir);
    const dataDir = path.join(workDir, 'invoke-data');
    const event = JSON.stringify({ user_id: 'from_body', session_id: 'inv1', message: '你好' });
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/invoke-function.ts',
        'chat',
        event,
        '--openid',
        'o_Invoker_1',
        '--dist',
        distDir,
      ],
      { env: offlineEnvironment(dataDir) },
    );
    const reply = JSON.parse(stdout.slice(stdout.indexOf('{')));
    expect(reply).toMatchObject({ session_id: 'inv1', emotion: expect.any(String) });
    // The simulated context's OPENID owns the session, not the body's user_id.
    expect(await readdir(dataDir)).toEqual(expect.arrayContaining(['o_Invoker_1']));
    expect(await readdir(dataDir)).not.toContain('from_body');
  });

  it('explains its usage when the arguments are wrong', async () => {
    const failure = await run(process.execPath, ['--import', 'tsx', 'scripts/invoke-function.ts', 'nope'], {
      env: offlineEnvironment(path.join(workDir, 'unused')),
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining('usage:') });
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../scripts/build.js';
import { mintAuthToken } from '../../shared/auth/auth-token.js';
import { fragments, spokenText } from '../support/log-fragments.js';
import { deltasAndDone, postAndLeave, postForStream, type ReadEvent } from '../support/read-event-stream.js';
import { startTestServices, TEST_COLLECTION, type TestServices } from '../support/test-services.js';

/**
 * The built chat-stream HTTP function, started by its own scf_bootstrap under the bundled
 * @cloudbase/functions-framework as the platform starts it, on the CloudBase emulator and the fake
 * OpenAI server: the streaming contract of docs/streaming.md, end to end.
 */

const SECRET = 'stream-token-secret-for-tests-0123456789';
const AI_LABEL = '内容由 AI 生成';
let services: TestServices;
let deployDir: string;
let server: ChildProcess;
let baseUrl: string;
/** Everything the framework and our code wrote to the child's stdout and stderr, from its start. */
let serverOutput = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });
}

async function startBootstrap(functionDir: string, environment: Record<string, string>) {
  const port = await freePort();
  const child = spawn('bash', [path.join(functionDir, 'scf_bootstrap')], {
    env: {
      PATH: process.env.PATH ?? '',
      SCF_BOOTSTRAP_NODE: process.execPath,
      SCF_BOOTSTRAP_PORT: String(port),
      ...environment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`framework did not start: ${serverOutput}`)), 15_000);
    const read = (chunk: Buffer) => {
      serverOutput += chunk.toString();
      if (serverOutput.includes('Server listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.on('exit', (code) => reject(new Error(`framework exited ${code}: ${serverOutput}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  services = await startTestServices();
  deployDir = await mkdtemp(path.join(tmpdir(), 'zhiji-stream-deploy-'));
  await buildFunctions(deployDir);
  const started = await startBootstrap(path.join(deployDir, 'chat-stream'), {
    ...(services.environment({
      // No TENCENTCLOUD_RUNENV: the function runs as on the platform whatever its environment says.
      AUTH_TOKEN_SECRET: SECRET,
      MSG_SEC_CHECK: 'off',
      AI_LABEL_TEXT: AI_LABEL,
      LLM_MAX_ATTEMPTS: '2',
      // The judge's wait is unit-tested (tests/chat/stream); here the fake model answers the reply only.
      CRISIS_JUDGE: 'off',
      // Our info lines too, so the check that no words reach the output looks at every turn's lines.
      LOG_LEVEL: 'info',
    }) as Record<string, string>),
  });
  server = started.child;
  baseUrl = started.url;
}, 120_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  await services?.close();
  if (deployDir !== undefined) await rm(deployDir, { recursive: true, force: true });
});

beforeEach(() => {
  services.model.reset();
});

const bearer = (openId: string) => ({
  authorization: `Bearer ${mintAuthToken(openId, { secret: SECRET, ttlSeconds: 1800, now: new Date() }).token}`,
});
const names = (events: readonly ReadEvent[]) => [...new Set(events.map((entry) => entry.event))];

describe('the built chat-stream function under the functions framework', () => {
  it('ships an executable scf_bootstrap that starts the framework on port 9000 by default', async () => {
    const bootstrap = path.join(deployDir, 'chat-stream', 'scf_bootstrap');
    expect((await stat(bootstrap)).mode & 0o111).not.toBe(0);
  });

  it('streams meta, emotion, the deltas, then done: the POST /api/chat reply, label in done only', async () => {
    services.model.enqueue({
      kind: 'reply',
      content: '[sad] 听起来你今天真的很累。我在这里陪你。',
      deltas: ['[s', 'ad] 听起来', '你今天真的', '很累。', '我在这里陪你。'],
      gapMs: 5,
    });
    const answer = await postForStream(
      `${baseUrl}/api/chat/stream`,
      { session_id: 's_order', message: '今天好累', client_msg_id: 'c_order' },
      bearer('o_alice'),
    );
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/event-stream/);
    expect(names(answer.events)).toEqual(['meta', 'emotion', 'delta', 'done']);
    expect(answer.events.filter((entry) => entry.event === 'delta').length).toBeGreaterThan(1);
    const { text, done } = deltasAndDone(answer.events);
    expect(text).toBe('听起来你今天真的很累。我在这里陪你。');
    expect(done).toMatchObject({
      content: `${text}\n\n${AI_LABEL}`,
      emotion: 'sad',
      client_msg_id: 'c_order',
    });
    expect(answer.events[0]?.data).toEqual({
      session_id: 's_order',
      user_message_id: done?.user_message_id,
      client_msg_id: 'c_order',
    });
    expect(answer.events.find((entry) => entry.event === 'emotion')?.data).toEqual({ emotion: 'sad' });
    // The provider was asked to stream, with usage in the last chunk.
    expect(services.model.requests().at(-1)?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('ends with an error event when the model fails after words were shown, and tries no other attempt', async () => {
    services.model.enqueue({
      kind: 'error-mid-stream',
      partialContent: '[caring] 我明白你的感受，',
      status: 500,
    });
    const answer = await postForStream(
      `${baseUrl}/api/chat/stream`,
      { session_id: 's_error', message: '我很难过', client_msg_id: 'c_error' },
      bearer('o_alice'),
    );
    expect(answer.status).toBe(200);
    expect(names(answer.events)).toEqual(['meta', 'emotion', 'delta', 'error']);
    expect(answer.events.at(-1)?.data).toMatchObject({ error: { retryable: true } });
    expect(services.model.requests()).toHaveLength(1);
    // The words stay stored, failed, for a resend to complete.
    const stored = JSON.stringify(services.emulator.documents(TEST_COLLECTION));
    expect(stored).toContain('我很难过');
    expect(stored).toContain('"failed"');
  });

  it('retries an attempt that failed before any word was shown, and shows only the new one', async () => {
    services.model.enqueue(
      { kind: 'cut-stream', partialContent: '[sa' },
      { kind: 'reply', content: '[happy] 真为你高兴！' },
    );
    const answer = await postForStream(
      `${baseUrl}/api/chat/stream`,
      { session_id: 's_retry', message: '我考上了', client_msg_id: 'c_retry' },
      bearer('o_alice'),
    );
    const { text, done } = deltasAndDone(answer.events);
    expect(text).toBe('真为你高兴！');
    expect(done?.emotion).toBe('happy');
    expect(services.model.requests()).toHaveLength(2);
  });

  it('refuses a missing or forged token, and bad input, with the ordinary JSON error and its status', async () => {
    // A body naming a user is no identity here, even though the environment does not say SCF.
    const body = { session_id: 's_auth', message: '你好', user_id: 'o_alice' };
    const missing = await postForStream(`${baseUrl}/api/chat/stream`, body);
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({ error: { code: 'AUTH_TOKEN_MISSING' } });
    const forged = await postForStream(`${baseUrl}/api/chat/stream`, body, {
      authorization: `Bearer ${mintAuthToken('o_eve', { secret: 'another-secret-0123456789abcdef', ttlSeconds: 60, now: new Date() }).token}`,
    });
    expect(forged.status).toBe(401);
    expect((forged.json as { error: { code: string } }).error.code).toMatch(/^AUTH_TOKEN_/);
    const invalid = await postForStream(
      `${baseUrl}/api/chat/stream`,
      { session_id: 's_auth' },
      bearer('o_alice'),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.json).toMatchObject({ error: { code: 'INVALID_INPUT', field: 'message' } });
    expect(services.model.requests()).toHaveLength(0);
  });

  it('keeps generating for a client that left, and gives the stored reply to its resend', async () => {
    services.model.enqueue({
      kind: 'reply',
      content: '[caring] 慢慢来，我一直都在。',
      deltas: ['[caring] 慢慢来，', '我一直', '都在。'],
      gapMs: 150,
    });
    const body = { session_id: 's_gone', message: '有点撑不住了', client_msg_id: 'c_gone' };
    const before = await postAndLeave(
      `${baseUrl}/api/chat/stream`,
      body,
      bearer('o_alice'),
      (entry) => entry.event === 'delta',
    );
    expect(names(before)).toContain('meta');
    // The resend waits for the first attempt, which goes on without its client, and replays its reply.
    const resend = await postForStream(`${baseUrl}/api/chat/stream`, body, bearer('o_alice'));
    const { done } = deltasAndDone(resend.events);
    expect(done?.content).toBe(`慢慢来，我一直都在。\n\n${AI_LABEL}`);
    expect(services.model.requests()).toHaveLength(1);
  });

  it("keeps the message and reply texts out of the framework's and our output and the framework's log files", async () => {
    const said = '我在银杏大道的琴行教课，最近总被家长投诉';
    const reply = '[caring] 琴行的委屈一定很难熬，你已经很努力了。';
    const failedSaid = '被投诉以后我整晚都在想辞职信怎么写';
    const partial = '[sad] 辞职信的事我们可以';
    const upstream = '供应商报错里带着原话：辞职信怎么写';
    services.model.enqueue(
      { kind: 'reply', content: reply, deltas: ['[caring] 琴行的委屈', '一定很难熬，', '你已经很努力了。'] },
      { kind: 'error-mid-stream', partialContent: partial, status: 500, message: upstream },
    );
    const answered = await postForStream(
      `${baseUrl}/api/chat/stream`,
      { session_id: 's_quiet', message: said, client_msg_id: 'c_quiet_1' },
      bearer('o_quiet'),
    );
    expect(deltasAndDone(answered.events).text).toBe('琴行的委屈一定很难熬，你已经很努力了。');
    const failed = await postForStream(
      `${baseUrl}/api/chat/stream`,
      { session_id: 's_quiet', message: failedSaid, client_msg_id: 'c_quiet_2' },
      bearer('o_quiet'),
    );
    expect(failed.events.at(-1)?.event).toBe('error');

    // The framework writes its access log to /tmp/logs (scf_bootstrap's --logDirname); its lines carry its pid.
    const frameworkLines = async () => {
      const files = ['accesslog.log', 'usercodelog.log'].map((name) => path.join('/tmp/logs', name));
      const texts = await Promise.all(files.map((file) => readFile(file, 'utf8').catch(() => '')));
      return texts
        .join('\n')
        .split('\n')
        .filter((line) => line.includes(`"pid":${server.pid}`));
    };
    // Both turns' lines are in (the logger and the framework write after the answer has gone).
    for (let waited = 0; waited < 5_000; waited += 50) {
      const accessed = (await frameworkLines()).filter((line) => line.includes('/api/chat/stream'));
      if (serverOutput.includes('"event":"stream.failed"') && accessed.length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const framework = (await frameworkLines()).join('\n');
    expect(framework).toContain('"path":"/api/chat/stream"');
    expect(serverOutput).toContain('"event":"chat.turn"');
    expect(serverOutput).toContain('"event":"stream.failed"');
    const forbidden = [
      SECRET,
      services.model.apiKey,
      ...[said, failedSaid, reply, partial, upstream].flatMap(spokenText),
      ...fragments('琴行的委屈一定很难熬'),
    ];
    for (const fragment of forbidden) {
      expect(serverOutput, `output holds "${fragment}"`).not.toContain(fragment);
      expect(framework, `framework log holds "${fragment}"`).not.toContain(fragment);
    }
  });
});

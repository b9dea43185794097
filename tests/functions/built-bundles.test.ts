import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../scripts/build.js';
import {
  startTestServices,
  TEST_COLLECTION,
  type TestServices,
  weChatContext,
} from '../support/test-services.js';

const run = promisify(execFile);
let services: TestServices;
let deployDir: string;

/**
 * Runs a built bundle the way the platform does: a fresh Node process, the bundle alone in a folder with
 * no node_modules anywhere above it, `main(event, context)` called once.
 */
async function invokeBundle(
  name: string,
  event: unknown,
  context: unknown,
  environment: Record<string, string>,
) {
  const script = `require(process.argv[1]).main(JSON.parse(process.argv[2]), JSON.parse(process.argv[3]))
    .then((result) => process.stdout.write('\\nSTUBS ' + JSON.stringify(globalThis[Symbol.for('zhiji.unbundled-sdk-calls')] ?? [])
      + '\\nUNDICI ' + JSON.stringify(process.moduleLoadList.filter((name) => name.includes('undici')))
      + '\\nRESULT ' + JSON.stringify(result)))`;
  const { stdout, stderr } = await run(
    process.execPath,
    ['-e', script, path.join(deployDir, name, 'index.js'), JSON.stringify(event), JSON.stringify(context)],
    { cwd: deployDir, env: { PATH: process.env.PATH ?? '', ...environment }, timeout: 20_000 },
  );
  // The SDK parts left out of the bundle are never reached, except the data-model client that init()
  // sets up inside its own try/catch.
  expect(`${stdout}${stderr}`).not.toContain('is not bundled here');
  const stubs = stdout.split('\n').find((candidate) => candidate.startsWith('STUBS '));
  const stubCalls = JSON.parse(stubs?.slice('STUBS '.length) ?? '[]') as string[];
  expect(stubCalls.filter((name) => name !== '@cloudbase/wx-cloud-client-sdk')).toEqual([]);
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('RESULT '));
  if (line === undefined) throw new Error(`no result from the ${name} bundle`);
  // The model client runs on node:http with its own Headers: Node's fetch (undici) is never loaded.
  expect(stdout.split('\n').find((candidate) => candidate.startsWith('UNDICI '))).toBe('UNDICI []');
  return JSON.parse(line.slice('RESULT '.length));
}

beforeAll(async () => {
  services = await startTestServices();
  // A temp folder outside the project: require() cannot find the project's node_modules from there.
  deployDir = await mkdtemp(path.join(tmpdir(), 'zhiji-deploy-'));
  await buildFunctions(deployDir);
}, 60_000);
afterAll(async () => {
  await services.close();
  await rm(deployDir, { recursive: true, force: true });
});
beforeEach(() => {
  services.emulator.reset();
  services.emulator.createCollection(TEST_COLLECTION);
  services.model.reset();
});

describe('the built bundles', () => {
  it('ship the bundle, the lazily loaded SDK files, the prompt files and a manifest without dependencies', async () => {
    const expected = {
      // Beside the chat bundle also the emotion classifier's weights, read on its first use.
      // And the safety files, and config.json declaring the msgSecCheck cloud call.
      chat: [
        'config.json',
        'prompt/basic-emotion-model.json',
        'prompt/blocked-words.json',
        'prompt/crisis-guidance.txt',
        'prompt/crisis-judge-prompt.txt',
        'prompt/crisis-model.json',
        'prompt/crisis-patterns.json',
        // The rolling summary's prompt.
        'prompt/summary-prompt.txt',
        // The title and memory proposals' prompt.
        'prompt/proposal-prompt.txt',
        'prompt/crisis-response.txt',
        'vendor/cloudbase-node-sdk.js',
        'vendor/cloudbase-node-sdk.impl.js',
        'vendor/cloudbase-node-sdk.impl.js.cache',
        'vendor/openai.js',
        'vendor/openai.impl.js',
        'vendor/openai.impl.js.cache',
      ],
      // The history function never calls the model, so it does not carry the model SDK.
      history: [
        'vendor/cloudbase-node-sdk.js',
        'vendor/cloudbase-node-sdk.impl.js',
        'vendor/cloudbase-node-sdk.impl.js.cache',
      ],
    };
    for (const [name, vendorFiles] of Object.entries(expected)) {
      const files = (await readdir(path.join(deployDir, name), { recursive: true }))
        .map((file) => file.split(path.sep).join('/'))
        .filter((file) => /\.(js|json|txt|cache)$/.test(file))
        .filter((file) => !file.endsWith('.LEGAL.txt'));
      expect(files.sort()).toEqual(
        [
          // Each bundle is a small loader, the code, and the V8 code cache of the code.
          'index.js',
          'index.impl.js',
          'index.impl.js.cache',
          'package.json',
          'prompt/counselor_prompt.txt',
          'prompt/emotion-labels.json',
          ...vendorFiles,
        ].sort(),
      );
      const manifest = JSON.parse(await readFile(path.join(deployDir, name, 'package.json'), 'utf8'));
      expect(manifest.dependencies).toBeUndefined();
      expect(manifest.type).toBe('commonjs');
    }
  });

  it('answer a mini-program turn on a simulated platform against the emulator and the fake model', async () => {
    services.model.enqueue({ kind: 'reply', content: '[caring] 辛苦了，我在这里陪你。' });
    // As the platform runs it: no CLOUDBASE_ENV or CLOUDBASE_SECRET_*; the SDK takes the environment
    // from SCF_NAMESPACE and the temporary keys SCF injects. Only the database URL points at the emulator.
    const {
      CLOUDBASE_ENV: _environmentId,
      CLOUDBASE_SECRET_ID: _secretId,
      CLOUDBASE_SECRET_KEY: _secretKey,
      ...shared
    } = services.environment() as Record<string, string>;
    const environment = {
      ...shared,
      TENCENTCLOUD_RUNENV: 'SCF',
      TENCENTCLOUD_REGION: 'ap-shanghai',
      SCF_NAMESPACE: services.emulator.envId,
      TENCENTCLOUD_SECRETID: 'scf-temporary-id',
      TENCENTCLOUD_SECRETKEY: 'scf-temporary-key',
      TENCENTCLOUD_SESSIONTOKEN: 'scf-session-token',
      TENCENTCLOUD: 'true',
      SILENCE: 'true',
      LOG_LEVEL: 'warn',
    };
    const context = weChatContext('o_BundleCaller_1');

    const reply = await invokeBundle(
      'chat',
      { user_id: 'ignored', session_id: 's1', message: '最近好累' },
      context,
      environment,
    );
    expect(reply).toMatchObject({ content: '辛苦了，我在这里陪你。', emotion: 'caring', session_id: 's1' });
    const [document] = services.emulator.documents(TEST_COLLECTION) as {
      user_id: string;
      schema_version: number;
    }[];
    expect(document).toMatchObject({ user_id: 'o_BundleCaller_1', schema_version: 2 });

    // A second turn takes the other write path: $push onto the existing document.
    services.model.enqueue({ kind: 'reply', content: '[thinking] 我们一起想想办法。' });
    await invokeBundle('chat', { session_id: 's1', message: '工作太多了' }, context, environment);

    const stored = await invokeBundle('history', { session_id: 's1' }, context, environment);
    expect(stored.messages.map((message: { content: string }) => message.content)).toEqual([
      '最近好累',
      '辛苦了，我在这里陪你。',
      '工作太多了',
      '我们一起想想办法。',
    ]);
    // Turn one: the reply, which settles the turn too (the words created the document); turn two: words, reply.
    const sessionWrites = services.emulator
      .requests()
      .filter(
        (request) => request.action === 'database.modifyDocument' && request.collection === TEST_COLLECTION,
      );
    expect(sessionWrites).toHaveLength(3);
    // msgSecCheck went through the bundled form-data (its mime-types loads only on first use, never here).
    expect(services.emulator.requestCount('wx.openApi')).toBeGreaterThanOrEqual(4);

    const overHttp = await invokeBundle(
      'chat',
      { path: '/api/chat', httpMethod: 'POST', headers: {}, body: '{}', isBase64Encoded: false },
      {},
      environment,
    );
    expect(overHttp.statusCode).toBe(401);
  });

  it('run the bundled model client over node:http: a provider error is retried, a reply streamed', async () => {
    const environment = { ...services.environment(), LOG_LEVEL: 'silent' } as Record<string, string>;
    services.model.enqueue(
      { kind: 'error', status: 503, message: 'overloaded', headers: { 'x-request-id': 'req_503' } },
      { kind: 'reply', content: '[caring] 慢慢说，我在听。' },
    );
    const reply = await invokeBundle(
      'chat',
      { user_id: 'u1', session_id: 's1', message: '睡不着' },
      {},
      environment,
    );
    expect(reply).toMatchObject({ content: '慢慢说，我在听。', emotion: 'caring' });
    expect(services.model.requests()).toHaveLength(2);
    expect(services.model.requests()[1]?.body).toMatchObject({ stream: true });
  });

  it('read the prompt files deployed beside them', async () => {
    const environment = { ...services.environment(), LOG_LEVEL: 'silent' } as Record<string, string>;
    await invokeBundle('chat', { user_id: 'u1', session_id: 's1', message: '你好' }, {}, environment);
    const sent = services.model.requests()[0]?.body as { messages: { role: string; content: string }[] };
    expect(sent.messages[0]?.content).toContain('知己咨询师');
    expect(sent.messages[0]?.content).not.toContain('{{emotion_labels}}');
  });

  it('skip the crisis checks only for the very files the build checked; an edited file is checked again', async () => {
    const patternsFile = path.join(deployDir, 'chat', 'prompt', 'crisis-patterns.json');
    const shipped = await readFile(patternsFile, 'utf8');
    // The build put the hash of the shipped bytes into the bundle (scripts/checked-prompt-files.ts).
    const bundle = await readFile(path.join(deployDir, 'chat', 'index.impl.js'), 'utf8');
    expect(bundle).toContain(createHash('sha256').update(shipped).digest('hex'));
    const environment = { ...services.environment(), LOG_LEVEL: 'silent' } as Record<string, string>;
    const chat = (message: string) =>
      invokeBundle('chat', { user_id: 'u1', session_id: 's1', message }, {}, environment);
    const patterns = JSON.parse(shipped);
    try {
      // Edited on the console after the build: a pattern matching every message is refused, which only
      // the per-pattern check sees (the combined expression compiles).
      patterns.rules[0].patterns = ['(?:想死)?'];
      await writeFile(patternsFile, JSON.stringify(patterns));
      expect((await chat('你好')).error).toMatchObject({ code: 'CONFIG_INVALID' });
      // A valid edit is read and used.
      patterns.rules[0].patterns = ['蓝色鲸鱼游戏'];
      patterns.rules[0].level = 'high';
      patterns.rules[0].subject = 'any';
      await writeFile(patternsFile, JSON.stringify(patterns));
      const reply = await chat('我在玩蓝色鲸鱼游戏');
      expect(reply.error).toBeUndefined();
      expect(reply.content).toContain('12356');
    } finally {
      await writeFile(patternsFile, shipped);
    }
  });

  it('let code bundled into the chat function classify emotions with the weights shipped beside it', async () => {
    // The chat bundle does not call the classifier yet, so a probe bundled the same way stands in for it,
    // placed beside the chat bundle in the deploy folder; the project's own copy is out of its reach.
    const probe = path.join(deployDir, 'chat', 'emotion-probe.js');
    await build({
      stdin: {
        contents: `const { classifyBasicEmotion } = require('./shared/emotion/classify-basic-emotion.ts');
          process.stdout.write(JSON.stringify(['今天太开心了！', '我好难过，想哭'].map((text) => classifyBasicEmotion(text).label)));`,
        resolveDir: process.cwd(),
        loader: 'js',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      outfile: probe,
      logLevel: 'warning',
    });
    try {
      const { stdout } = await run(process.execPath, [probe], {
        cwd: deployDir,
        env: { PATH: process.env.PATH ?? '' },
        timeout: 20_000,
      });
      expect(JSON.parse(stdout)).toEqual(['happy', 'sad']);
    } finally {
      await rm(probe, { force: true });
    }
  });
});

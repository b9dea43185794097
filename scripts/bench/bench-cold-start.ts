/**
 * Cold start as the platform sees it: a new node process loads a function's bundle and answers one
 * mini-program call (loading the SDKs it needs, reading and writing the emulator, asking the fake model),
 * against a bare `node` in the same run. Each is timed from the spawn until the process says its answer
 * is ready, not until it exits: on the platform the process lives on, and a node process that has run
 * some code spends tens of milliseconds at exit waiting for V8's background compile jobs, which no user
 * waits for. All three runs of a measure get the same environment.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TestServices } from '../../tests/support/test-services.js';
import { FUNCTION_NAMES } from '../build.js';

const READY = "process.stdout.write('ready\\n')";

function timeUntilReady(script: string, environment: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let readyAfter: number | undefined;
    let errors = '';
    const child = spawn(process.execPath, ['-e', script], {
      env: environment,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (readyAfter === undefined && chunk.toString().includes('ready'))
        readyAfter = performance.now() - started;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.on('error', reject);
    // Runs stay one after another: the next starts once this one has exited.
    child.on('close', (code) =>
      code === 0 && readyAfter !== undefined
        ? resolve(readyAfter)
        : reject(new Error(`cold start run failed (${code}): ${errors.slice(0, 500)}`)),
    );
  });
}

function median(values: readonly number[]): number {
  return [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)] ?? Number.NaN;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/**
 * `withCaCertificates: false` runs all three without NODE_EXTRA_CA_CERTS, as on the platform; on this
 * workplace it is set, and alone costs a bare node about 50 ms.
 */
export async function measureColdStart(
  distDir: string,
  services: TestServices,
  runs: number,
  options: { withCaCertificates: boolean },
) {
  const { NODE_EXTRA_CA_CERTS: caCertificates, ...inherited } = process.env;
  const environment: NodeJS.ProcessEnv = {
    ...inherited,
    ...(options.withCaCertificates && caCertificates !== undefined
      ? { NODE_EXTRA_CA_CERTS: caCertificates }
      : {}),
    ...(services.environment({ LOG_LEVEL: 'silent' }) as Record<string, string>),
    TENCENTCLOUD_RUNENV: 'SCF',
    TENCENTCLOUD_REGION: 'ap-shanghai',
    SCF_NAMESPACE: services.emulator.envId,
    TENCENTCLOUD: 'true',
    SILENCE: 'true',
    // What the runtime puts in process.env for a mini-program call, as inferred in
    // docs/content-security.md: without the token msgSecCheck is refused, and the first call would
    // measure the word-list fallback instead of the platform's path.
    WX_API_TOKEN: 'bench-wx-api-token',
    WX_CONTEXT_KEYS: 'WX_OPENID,WX_APPID,WX_API_TOKEN',
  };
  const context = {
    environ:
      'WX_OPENID=o_bench_cold;WX_APPID=wx_bench;WX_API_TOKEN=bench-wx-api-token;' +
      'WX_CONTEXT_KEYS=WX_OPENID,WX_APPID,WX_API_TOKEN;TRIGGER_SRC=tcb',
  };
  const events: Record<string, unknown> = {
    chat: { session_id: 'cold', message: '最近总是睡不好，心里很乱。' },
    history: { session_id: 'cold' },
  };
  const bare: number[] = [];
  const load: Record<string, number[]> = Object.fromEntries(FUNCTION_NAMES.map((name) => [name, []]));
  const firstCall: Record<string, number[]> = Object.fromEntries(FUNCTION_NAMES.map((name) => [name, []]));
  // Interleaved so a busy moment on the machine hits the baseline and the bundles alike.
  for (let run = 0; run < runs; run += 1) {
    bare.push(await timeUntilReady(READY, environment));
    for (const name of FUNCTION_NAMES) {
      const bundle = JSON.stringify(path.join(distDir, name, 'index.js'));
      load[name]?.push(await timeUntilReady(`require(${bundle}); ${READY}`, environment));
      const call =
        `require(${bundle}).main(${JSON.stringify(events[name])}, ${JSON.stringify(context)})` +
        `.then((result) => { if (result && result.error) { console.error(JSON.stringify(result)); process.exit(1); } ${READY}; })`;
      const checksBefore = services.emulator.weChat.requests().length;
      firstCall[name]?.push(await timeUntilReady(call, environment));
      const checks = services.emulator.weChat.requests().length - checksBefore;
      // The platform's path: WeChat checks the message and the reply. Anything else measures a fallback.
      if (checks !== (name === 'chat' ? 2 : 0)) {
        throw new Error(`cold start of ${name} made ${checks} msgSecCheck calls, not the platform's path`);
      }
    }
  }
  const bareMedian = median(bare);
  const figures = (values: number[]) => ({
    ms: round(median(values)),
    ratio_to_bare_node: round(median(values) / bareMedian, 2),
  });
  return {
    bare_node_ms: round(bareMedian),
    node_extra_ca_certs: environment.NODE_EXTRA_CA_CERTS !== undefined,
    bundles: Object.fromEntries(
      FUNCTION_NAMES.map((name) => [
        name,
        { load: figures(load[name] ?? []), first_call: figures(firstCall[name] ?? []) },
      ]),
    ),
  };
}

/**
 * `npm run invoke -- <chat|history> '<event json>' [--openid o_xxx]`: runs a built bundle once the way the
 * platform calls it, `main(event, context)`, with a simulated WeChat invocation context carrying the
 * OPENID (as `wx.cloud.callFunction` would), and prints the result.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildFunctions, DEFAULT_OUTPUT_ROOT, FUNCTION_NAMES } from './build.js';
import { loadDotenv } from './load-dotenv.js';

const usage =
  "usage: npm run invoke -- <chat|history> '<event json>' [--openid o_xxx] [--appid wx_xxx] [--dist dist/functions]";

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

/** The old-architecture `environ` string SCF passes to a function called from a mini-program. */
export function simulatedContext(functionName: string, openId: string | undefined, appId: string) {
  const environ = openId
    ? `WX_OPENID=${openId};WX_APPID=${appId};WX_CONTEXT_KEYS=WX_OPENID,WX_APPID;TRIGGER_SRC=tcb;TCB_CONTEXT_KEYS=TRIGGER_SRC`
    : 'TRIGGER_SRC=tcb;TCB_CONTEXT_KEYS=TRIGGER_SRC';
  return {
    request_id: randomUUID(),
    function_name: functionName,
    function_version: '$LATEST',
    namespace: process.env.CLOUDBASE_ENV ?? 'local',
    memory_limit_in_mb: 256,
    time_limit_in_ms: functionName === 'chat' ? 60_000 : 10_000,
    environ,
  };
}

const [name, eventText] = process.argv.slice(2);
if (name === undefined || !FUNCTION_NAMES.includes(name as (typeof FUNCTION_NAMES)[number]) || !eventText) {
  console.error(usage);
  process.exit(2);
}
let event: unknown;
try {
  event = JSON.parse(eventText);
} catch {
  console.error(`the event is not valid JSON\n${usage}`);
  process.exit(2);
}

loadDotenv();
const distDir = option('--dist') ?? DEFAULT_OUTPUT_ROOT;
const bundle = path.resolve(distDir, name, 'index.js');
if (!existsSync(bundle)) await buildFunctions(distDir);
const { main } = createRequire(import.meta.url)(bundle) as {
  main: (event: unknown, context: unknown) => Promise<unknown>;
};
const result = await main(
  event,
  simulatedContext(name, option('--openid'), option('--appid') ?? 'wx_local_app'),
);
console.info(JSON.stringify(result, null, 2));

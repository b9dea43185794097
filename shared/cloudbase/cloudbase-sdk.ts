/**
 * The only module that imports @cloudbase/node-sdk. It is loaded lazily (dynamic import) so a cold start
 * that never touches CloudBase (local runs, a bad request) does not pay for parsing the SDK.
 */
import type { CloudbaseConfig } from '../config/load-config.js';

type Row = Record<string, unknown>;

/** The slice of the SDK's query builder this project uses; the SDK's own typings are incomplete. */
export interface CloudbaseQuery {
  where(condition: Row): CloudbaseQuery;
  orderBy(field: string, direction: 'asc' | 'desc'): CloudbaseQuery;
  limit(count: number): CloudbaseQuery;
  skip(count: number): CloudbaseQuery;
  field(projection: Record<string, unknown>): CloudbaseQuery;
  get(): Promise<{ data: Row[] }>;
  update(data: Row): Promise<{ updated?: number }>;
  remove(): Promise<{ deleted?: number }>;
  count(): Promise<{ total?: number }>;
}

export interface CloudbaseCollection extends CloudbaseQuery {
  add(document: Row): Promise<{ id?: string }>;
}

export interface CloudbaseDatabase {
  collection(name: string): CloudbaseCollection;
  createCollection(name: string): Promise<unknown>;
  command: {
    push(value: { each: unknown[] }): unknown;
    inc(amount: number): unknown;
    project: { slice(count: number): unknown };
  };
}

type NodeSdk = typeof import('@cloudbase/node-sdk');
let sdkPromise: Promise<NodeSdk> | undefined;

function loadSdk(): Promise<NodeSdk> {
  sdkPromise ??= import('@cloudbase/node-sdk').then((module) =>
    'default' in module ? module.default : module,
  );
  return sdkPromise;
}

export async function openCloudbaseDatabase(config: CloudbaseConfig): Promise<CloudbaseDatabase> {
  const sdk = await loadSdk();
  const app = sdk.init({
    // On the platform the SDK resolves the current environment per request from the invocation context.
    env: config.envId ?? sdk.SYMBOL_CURRENT_ENV,
    timeout: config.timeoutMs,
    ...(config.serviceUrl === undefined ? {} : { serviceUrl: config.serviceUrl }),
    ...(config.secretId === undefined || config.secretKey === undefined
      ? {}
      : { secretId: config.secretId, secretKey: config.secretKey }),
  });
  return app.database() as unknown as CloudbaseDatabase;
}

/**
 * Reads the caller's OPENID from this invocation's context only, through the SDK's parser. Not
 * `getCloudbaseContext`: for a key missing from the context it falls back to process.env, which on a
 * warm instance can still hold an earlier caller's OPENID.
 */
export async function readPlatformOpenId(context: unknown): Promise<string | undefined> {
  if (!hasEnvironment(context)) return undefined;
  const sdk = await loadSdk();
  const parsed = sdk.parseContext(context);
  const values = (parsed.environment ?? parsed.environ ?? {}) as Record<string, unknown>;
  return asString(values.WX_OPENID);
}

/** The SDK's parser throws on a context without environment data, as local runs and timers pass. */
function hasEnvironment(context: unknown): context is Parameters<NodeSdk['parseContext']>[0] & object {
  if (typeof context !== 'object' || context === null) return false;
  const record = context as Row;
  return typeof record.environ === 'string' || typeof record.environment === 'string';
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

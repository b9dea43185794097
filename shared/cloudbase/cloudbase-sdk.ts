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
  field(projection: Record<string, boolean>): CloudbaseQuery;
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
  };
}

/** What the platform says about the caller of this invocation. */
export interface PlatformIdentity {
  openId: string | undefined;
  appId: string | undefined;
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
 * Reads the caller's OPENID through the SDK's context helper, which prefers the per-invocation context
 * over process.env (a warm instance's process.env may still hold an earlier caller's keys).
 */
export async function readPlatformIdentity(context: unknown): Promise<PlatformIdentity> {
  const sdk = await loadSdk();
  const values = sdk.getCloudbaseContext(hasEnvironment(context) ? context : undefined);
  return { openId: asString(values.WX_OPENID), appId: asString(values.WX_APPID) };
}

/** The SDK's parser throws on a context without environment data, as local runs and tests pass. */
function hasEnvironment(context: unknown): context is Parameters<NodeSdk['getCloudbaseContext']>[0] & object {
  if (typeof context !== 'object' || context === null) return false;
  const record = context as Row;
  return typeof record.environ === 'string' || typeof record.environment === 'string';
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

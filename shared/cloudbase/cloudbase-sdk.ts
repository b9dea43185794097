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
  /**
   * One conditional update of the first matching document that also returns that document, in one round
   * trip (`database.modifyAndReturnDoc`); `doc` is absent or null when nothing matched.
   */
  updateAndReturn(data: Row): Promise<{ updated?: number; doc?: Row | null }>;
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
    remove(): unknown;
    set(value: unknown): unknown;
    exists(present: boolean): unknown;
    in(values: unknown[]): unknown;
    neq(value: unknown): unknown;
    lt(value: unknown): unknown;
    gt(value: unknown): unknown;
    gte(value: unknown): unknown;
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

/** Where and as whom the SDK connects; the database's settings without its collection. */
export type CloudbaseConnection = Omit<CloudbaseConfig, 'collection'>;

function initApp(sdk: NodeSdk, config: CloudbaseConnection): ReturnType<NodeSdk['init']> {
  return sdk.init({
    // On the platform the SDK resolves the current environment per request from the invocation context.
    env: config.envId ?? sdk.SYMBOL_CURRENT_ENV,
    timeout: config.timeoutMs,
    ...(config.serviceUrl === undefined ? {} : { serviceUrl: config.serviceUrl }),
    ...(config.secretId === undefined || config.secretKey === undefined
      ? {}
      : { secretId: config.secretId, secretKey: config.secretKey }),
  });
}

export async function openCloudbaseDatabase(config: CloudbaseConfig): Promise<CloudbaseDatabase> {
  const sdk = await loadSdk();
  return initApp(sdk, config).database() as unknown as CloudbaseDatabase;
}

const weChatApps = new WeakMap<CloudbaseConnection, ReturnType<NodeSdk['init']>>();

/**
 * One WeChat open-API call ("云调用") the way wx-server-sdk's `cloud.openapi.*` makes it: the SDK's
 * `callCompatibleWxOpenApi`, a multipart POST with `action=wx.openApi`, `apiName` and `requestData` (a
 * protobuf CommApiData), answered with a protobuf CommOpenApiResp, returned here undecoded.
 * WeChat authorises the call by the invocation's WX_API_TOKEN, which the SDK reads from process.env
 * only when WX_CONTEXT_KEYS lists it, as the platform does for a call from the mini-program.
 * Rejects with the SDK's error (its `code` is a CloudBase code or an HTTP status) on any failure.
 */
export async function callWeChatOpenApi(
  config: CloudbaseConnection,
  apiName: string,
  requestData: Buffer,
  options: { timeoutMs?: number } = {},
): Promise<Buffer> {
  const sdk = await loadSdk();
  let app = weChatApps.get(config);
  if (app === undefined) {
    app = initApp(sdk, config);
    weChatApps.set(config, app);
  }
  const reply: unknown = await app.callCompatibleWxOpenApi(
    { apiName, requestData },
    options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs },
  );
  // A JSON error reply is thrown by the SDK; anything else that is not bytes is not an answer.
  if (!Buffer.isBuffer(reply)) throw new Error('wx.openApi reply is not binary');
  return reply;
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

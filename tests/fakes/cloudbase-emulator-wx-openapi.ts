import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  decodeOpenApiRequest,
  encodeOpenApiResponse,
  type OpenApiRequest,
} from '../../shared/safety/wechat-openapi-protobuf.js';
import { createDelayedTasks } from './delayed-tasks.js';

/**
 * The WeChat open API ("云调用") behind the CloudBase emulator, as `@cloudbase/node-sdk` 3.18.3 reaches it
 * with `callCompatibleWxOpenApi` (what wx-server-sdk's `cloud.openapi.*` uses): a multipart/form-data POST
 * to the same `/admin` URL with the fields `action=wx.openApi`, `apiName`, `requestData` (a protobuf
 * CommApiData whose pairs are the JSON-encoded parameters), `envName`, `wxCloudApiToken`,
 * `wxCloudbaseAccesstoken`, `tcb_sessionToken`, `crossAuthorizationToken`. The answer is a protobuf
 * CommOpenApiResp whose `resp_data` is WeChat's JSON; CloudBase's own errors are JSON
 * `{code, message, requestId}` sent as `application/json; charset=utf-8`, the one content type the SDK
 * parses (and throws on) for this action.
 *
 * The SDK sends `wxCloudApiToken` from process.env.WX_API_TOKEN, and only when WX_CONTEXT_KEYS lists
 * WX_API_TOKEN (it is not among the keys the SDK always reads): the platform injects both for an
 * invocation from the mini-program. Without a token this fake refuses the call, as the platform would
 * have no caller to authorise by; the exact code the platform uses for that is unverified, as are the
 * fake's errcodes for malformed parameters (47001) and its reply content types.
 *
 * Only security.msgSecCheck is implemented. Verdicts come from rules (first-to-worst substring matches,
 * default pass / label 100); faults inject errcodes, channel errors, HTTP statuses and latency.
 */

export type Suggest = 'pass' | 'review' | 'risky';

export interface VerdictRule {
  /** Matched case-sensitively against the decoded `content`. */
  contains: string;
  suggest: Suggest;
  label: number;
}

export interface WeChatFault {
  /** How many msgSecCheck requests to affect (default 1). */
  times?: number;
  /** Only requests whose content includes this (any request if omitted). */
  contentIncludes?: string;
  /** WeChat's own failure in the JSON answer, e.g. -1 (system busy) or 61010 (user not seen for 2 h). */
  errcode?: number;
  errmsg?: string;
  /** A failure of the cloud-call channel (CommOpenApiResp.error_code), e.g. -604101 (no permission). */
  channelErrorCode?: number;
  /** Answer with this HTTP status (JSON body), which the SDK throws as an error whose code is the status. */
  httpStatus?: number;
  /** Answer a CloudBase JSON error with this code. */
  cloudbaseCode?: string;
  /** Answer bytes that are no protobuf message. */
  garbage?: boolean;
  /** Wait this long before answering (alone, or before the fault above). */
  delayMs?: number;
}

export interface WeChatRequestRecord {
  apiName: string;
  envName: string;
  apiToken: string;
  apiType: number;
  openid: unknown;
  scene: unknown;
  version: unknown;
  /** The checked text, for assertions; a real log would record only its length. */
  content: string;
  /** In code points, as WeChat counts its 2500-character limit. */
  contentLength: number;
}

/** The controls tests use, as `emulator.weChat`. */
export interface WeChatOpenApiFake {
  setRules(rules: readonly VerdictRule[]): void;
  inject(fault: WeChatFault): void;
  clearFaults(): void;
  /** Whether a call without `wxCloudApiToken` is refused (default true). */
  requireApiToken(required: boolean): void;
  requests(): readonly WeChatRequestRecord[];
  reset(): void;
}

export interface WeChatOpenApiService extends WeChatOpenApiFake {
  /** Answers one multipart request; returns its action for the emulator's request log. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<string>;
  close(): void;
}

const MAX_CONTENT_CHARS = 2500;
const suggestRank: Record<Suggest, number> = { pass: 0, review: 1, risky: 2 };

export function isMultipartRequest(request: IncomingMessage): boolean {
  return (request.headers['content-type'] ?? '').startsWith('multipart/form-data');
}

export function createWeChatOpenApiFake(options: { envId: string }): WeChatOpenApiService {
  let rules: VerdictRule[] = [];
  let faults: { fault: WeChatFault; remaining: number }[] = [];
  let records: WeChatRequestRecord[] = [];
  let tokenRequired = true;
  const { later, cancelAll: cancelTimers } = createDelayedTasks();

  const takeFault = (content: string): WeChatFault | undefined => {
    const pending = faults.find(
      ({ fault }) => fault.contentIncludes === undefined || content.includes(fault.contentIncludes),
    );
    if (!pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) faults = faults.filter((entry) => entry !== pending);
    return pending.fault;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<string> => {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(request.headers['content-type'] ?? '');
    const fields = parseMultipart(await readBody(request), boundary?.[1] ?? boundary?.[2] ?? '');
    const text = (name: string) => fields.get(name)?.toString('utf8') ?? '';
    const action = text('action');
    const refuse = (code: string, message: string): string => {
      sendCloudbaseError(response, 200, code, message);
      return action;
    };
    if (action !== 'wx.openApi') return refuse('INVALID_ACTION', 'fake serves wx.openApi only');
    if (text('envName') !== options.envId) return refuse('INVALID_ENV', 'envName mismatch');
    if (tokenRequired && text('wxCloudApiToken') === '') {
      return refuse('PERMISSION_DENIED', 'no wxCloudApiToken: not invoked from the mini-program');
    }
    const apiName = text('apiName');
    if (apiName !== 'security.msgSecCheck') return refuse('INVALID_PARAM', 'unsupported apiName');
    let decoded: OpenApiRequest;
    try {
      decoded = decodeOpenApiRequest(fields.get('requestData') ?? Buffer.alloc(0));
    } catch {
      return refuse('INVALID_PARAM', 'requestData is not a CommApiData');
    }
    const parameters = Object.fromEntries(decoded.pairs.map((pair) => [pair.key, parseJson(pair.value)]));
    const content = typeof parameters.content === 'string' ? parameters.content : '';
    records.push({
      apiName,
      envName: text('envName'),
      apiToken: text('wxCloudApiToken'),
      apiType: decoded.apiType,
      openid: parameters.openid,
      scene: parameters.scene,
      version: parameters.version,
      content,
      contentLength: Array.from(content).length,
    });

    const fault = takeFault(content) ?? {};
    later(fault.delayMs, () => {
      if (fault.httpStatus !== undefined) {
        sendCloudbaseError(response, fault.httpStatus, 'HTTP', '');
      } else if (fault.cloudbaseCode !== undefined) {
        refuse(fault.cloudbaseCode, 'injected fault');
      } else if (fault.garbage) {
        sendBytes(response, Buffer.from([0xff, 0xff, 0xff]));
      } else if (fault.channelErrorCode !== undefined) {
        sendBytes(response, encodeOpenApiResponse({ errorCode: fault.channelErrorCode }));
      } else {
        const answer =
          fault.errcode !== undefined
            ? { errcode: fault.errcode, errmsg: fault.errmsg ?? 'injected errcode' }
            : judge(parameters, content, rules);
        sendBytes(
          response,
          encodeOpenApiResponse({
            respData: Buffer.from(JSON.stringify(answer)),
            contentType: 'application/json; encoding=utf-8',
            httpCode: 200,
          }),
        );
      }
    });
    return action;
  };

  return {
    handle,
    setRules: (next) => {
      rules = [...next];
    },
    inject: (fault) => {
      if ((fault.times ?? 1) > 0) faults.push({ fault: { ...fault }, remaining: fault.times ?? 1 });
    },
    clearFaults: () => {
      faults = [];
    },
    requireApiToken: (required) => {
      tokenRequired = required;
    },
    requests: () => [...records],
    reset: () => {
      rules = [];
      faults = [];
      records = [];
      tokenRequired = true;
    },
    close: () => {
      cancelTimers();
    },
  };
}

/** WeChat's v2 answer: errcode 0 whatever the verdict, which is in `result`. */
function judge(parameters: Record<string, unknown>, content: string, rules: readonly VerdictRule[]): object {
  const { openid, scene, version } = parameters;
  if (typeof openid !== 'string' || openid === '') return { errcode: 40003, errmsg: 'invalid openid' };
  if (version !== 2 || ![1, 2, 3, 4].includes(scene as number) || content === '') {
    return { errcode: 47001, errmsg: 'data format error' };
  }
  if (Array.from(content).length > MAX_CONTENT_CHARS) return { errcode: 47001, errmsg: 'content too long' };
  const hits = rules.filter((rule) => content.includes(rule.contains));
  const worst = hits.reduce<VerdictRule | undefined>(
    (current, rule) =>
      current === undefined || suggestRank[rule.suggest] > suggestRank[current.suggest] ? rule : current,
    undefined,
  );
  const result = { suggest: worst?.suggest ?? 'pass', label: worst?.label ?? 100 };
  return {
    errcode: 0,
    errmsg: 'ok',
    trace_id: `fake-${randomBytes(8).toString('hex')}`,
    result,
    detail: [
      { strategy: 'content_model', errcode: 0, ...result, prob: 90 },
      ...hits.map((rule) => ({
        strategy: 'keyword',
        errcode: 0,
        suggest: rule.suggest,
        label: rule.label,
        level: 20,
        keyword: rule.contains,
      })),
    ],
  };
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function parseMultipart(body: Buffer, boundary: string): Map<string, Buffer> {
  const fields = new Map<string, Buffer>();
  if (boundary === '') return fields;
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter has no CRLF before it; prefixing one makes every delimiter look alike.
  const data = Buffer.concat([Buffer.from('\r\n'), body]);
  let position = data.indexOf(delimiter);
  while (position !== -1) {
    const start = position + delimiter.length;
    if (data.subarray(start, start + 2).toString() === '--') break;
    const next = data.indexOf(delimiter, start);
    if (next === -1) break;
    const part = data.subarray(start + 2, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    const name = /name="([^"]*)"/.exec(part.subarray(0, Math.max(0, headerEnd)).toString('utf8'))?.[1];
    if (name !== undefined && headerEnd !== -1) fields.set(name, Buffer.from(part.subarray(headerEnd + 4)));
    position = next;
  }
  return fields;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function sendBytes(response: ServerResponse, bytes: Buffer): void {
  if (response.destroyed || response.writableEnded) return;
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
  response.end(bytes);
}

function sendCloudbaseError(response: ServerResponse, status: number, code: string, message: string): void {
  if (response.destroyed || response.writableEnded) return;
  const text = JSON.stringify(
    status === 200
      ? { code, message, requestId: `emulator-${randomBytes(8).toString('hex')}` }
      : { message: `injected HTTP ${status}` },
  );
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

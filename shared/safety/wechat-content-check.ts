/**
 * ContentCheck over WeChat's security.msgSecCheck v2, called as a cloud call through the CloudBase SDK
 * (no access_token or AppSecret: WeChat authorises the call by the invocation's WX_API_TOKEN, so it
 * only works in a function invoked from the mini-program, and the function needs the API's permission).
 * The verdict is the answer's `result.suggest`: a risky text still comes with errcode 0.
 */
import { type CloudbaseConnection, callWeChatOpenApi } from '../cloudbase/cloudbase-sdk.js';
import { type AppError, isAppError } from '../errors/app-error.js';
import {
  type ContentCheck,
  type ContentCheckInput,
  type ContentCheckResult,
  type ContentVerdict,
  contentCheckUnavailable,
  splitForCheck,
  worstResult,
} from './content-check.js';
import { decodeOpenApiResponse, encodeOpenApiRequest } from './wechat-openapi-protobuf.js';

export const MSG_SEC_CHECK_API = 'security.msgSecCheck';
const DEFAULT_TIMEOUT_MS = 3_000;
/** v1's "content is risky" errcode; v2 answers 0 with suggest "risky", but a v1 answer must not pass. */
const LEGACY_RISKY_ERRCODE = 87014;
/** WeChat's "system busy": worth one more try, unlike a bad openid (40003) or a stale one (61010). */
const SYSTEM_BUSY_ERRCODE = -1;

export interface WeChatContentCheckOptions {
  cloudbase: CloudbaseConnection;
  /** Longest wait for all chunks of one check; a slow WeChat must not hold up the turn. */
  timeoutMs?: number;
}

export function createWeChatContentCheck(options: WeChatContentCheckOptions): ContentCheck {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    name: 'wechat',
    async check(input) {
      if (input.content.trim() === '') return { verdict: 'pass' };
      const deadline = AbortSignal.timeout(timeoutMs);
      const signal = input.signal === undefined ? deadline : AbortSignal.any([input.signal, deadline]);
      const stopped = () =>
        input.signal?.aborted
          ? contentCheckUnavailable('aborted by the caller')
          : contentCheckUnavailable(`timeout after ${timeoutMs} ms`, { retryable: true });
      const settled = await Promise.allSettled(
        splitForCheck(input.content).map((chunk) =>
          untilAborted(checkChunk(options.cloudbase, input, chunk, timeoutMs), signal, stopped),
        ),
      );
      const results = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      // A risky chunk decides the whole text even when another chunk could not be checked.
      const worst = worstResult(results);
      if (worst.verdict === 'risky') return worst;
      const failure = settled.find((outcome) => outcome.status === 'rejected');
      if (failure !== undefined) throw asUnavailable(failure.reason);
      return worst;
    },
  };
}

async function checkChunk(
  cloudbase: CloudbaseConnection,
  input: ContentCheckInput,
  content: string,
  timeoutMs: number,
): Promise<ContentCheckResult> {
  const requestData = encodeOpenApiRequest({ openid: input.openid, scene: input.scene, version: 2, content });
  const reply = await callWeChatOpenApi(cloudbase, MSG_SEC_CHECK_API, requestData, { timeoutMs });
  let response: ReturnType<typeof decodeOpenApiResponse>;
  try {
    response = decodeOpenApiResponse(reply);
  } catch (error) {
    throw contentCheckUnavailable('wx.openApi reply is not protobuf', { cause: error });
  }
  if (response.errorCode !== 0) {
    // The cloud-call channel failed, e.g. -604101: the function lacks the API's permission.
    throw contentCheckUnavailable(`wx.openApi error_code ${response.errorCode}`);
  }
  if (!/application\/json|text\/plain/.test(response.contentType)) {
    throw contentCheckUnavailable('msgSecCheck answer is not JSON');
  }
  return readAnswer(response.respData.toString('utf8'));
}

function readAnswer(text: string): ContentCheckResult {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch (error) {
    throw contentCheckUnavailable('msgSecCheck answer is not JSON', { cause: error });
  }
  const record = asRecord(answer);
  const errcode = typeof record?.errcode === 'number' ? record.errcode : 0;
  const traceId = typeof record?.trace_id === 'string' ? { traceId: record.trace_id } : {};
  if (errcode === LEGACY_RISKY_ERRCODE) return { verdict: 'risky', ...traceId };
  if (errcode !== 0) {
    throw contentCheckUnavailable(`msgSecCheck errcode ${errcode}`, {
      retryable: errcode === SYSTEM_BUSY_ERRCODE,
    });
  }
  const result = asRecord(record?.result);
  const verdict = result?.suggest;
  if (!isVerdict(verdict)) throw contentCheckUnavailable('msgSecCheck answer has no result.suggest');
  const label = typeof result?.label === 'number' ? { label: result.label } : {};
  return { verdict, ...label, ...traceId };
}

function isVerdict(value: unknown): value is ContentVerdict {
  return value === 'pass' || value === 'review' || value === 'risky';
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Stops waiting when the signal fires; the SDK call itself ends by its own timeout, unobserved. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal, stopped: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(stopped());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(stopped());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function asUnavailable(error: unknown): AppError {
  if (isAppError(error)) return error;
  const code = sdkErrorCode(error);
  if (code !== undefined) {
    // An HTTP status above 499 or a network code: the next try may reach a healthy server.
    const transient = typeof code === 'number' ? code >= 500 : /^E[A-Z]+$/.test(code);
    return contentCheckUnavailable(`cloudbase ${code}`, { cause: error, retryable: transient });
  }
  return contentCheckUnavailable('cloudbase call failed', { cause: error });
}

/** The SDK's error code when it is a code (a CloudBase code, an HTTP status, ECONNRESET), not a text. */
function sdkErrorCode(error: unknown): string | number | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = error.code;
  if (typeof code === 'number') return code;
  return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : undefined;
}

import { AppError, type ErrorBody } from '../errors/app-error.js';
import { assertShallow } from './json-nesting.js';

/** The event CloudBase HTTP access (云接入) delivers to a function. */
export interface HttpEvent {
  path: string;
  httpMethod: string;
  headers?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** The integration response CloudBase turns back into an HTTP response. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/** `wx.cloud.callFunction` passes the caller's data as the event; HTTP access passes this shape instead. */
export function isHttpEvent(event: unknown): event is HttpEvent {
  if (typeof event !== 'object' || event === null) return false;
  const record = event as Record<string, unknown>;
  return typeof record.httpMethod === 'string' && typeof record.path === 'string';
}

/** Whether the request path is this route, also under a prefix the HTTP access route may add. */
export function matchesRoute(path: string, route: string): boolean {
  const normalised = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return normalised === route || normalised.endsWith(route);
}

/** One size rule for both transports: a callFunction event's JSON, or an HTTP body's bytes. */
export function assertWithinSize(bytes: number, maxBytes: number): void {
  if (bytes > maxBytes) throw payloadTooLarge(maxBytes);
}

export function payloadTooLarge(maxBytes: number): AppError {
  return new AppError(
    'PAYLOAD_TOO_LARGE',
    `请求太大了（上限 ${Math.floor(maxBytes / 1024)} KB）。(Payload too large)`,
  );
}

/** The JSON body of a POST, decoded, size-checked and no deeper than a request can be. */
export function readJsonBody(body: unknown, base64: boolean, maxBytes: number): unknown {
  const raw = body ?? '';
  // An HTTP body is text; anything else (an object, a number, {length: 2 ** 31}) is refused before it is
  // turned into bytes.
  if (typeof raw !== 'string') {
    throw new AppError('INVALID_JSON', '请求内容必须是 JSON 文本。(Body must be a string)', {
      field: 'body',
    });
  }
  const bytes = base64 ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  assertWithinSize(bytes.length, maxBytes);
  if (bytes.length === 0) {
    throw new AppError('INVALID_JSON', '请求内容为空，需要一个 JSON 对象。(Empty body)', { field: 'body' });
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new AppError('INVALID_JSON', '请求内容不是合法的 JSON。(Body is not valid JSON)', {
      field: 'body',
    });
  }
  assertShallow(value);
  return value;
}

const baseHeaders = {
  'content-type': 'application/json; charset=utf-8',
  // Replies are one person's private conversation: no shared cache may keep them.
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function jsonResponse(
  statusCode: number,
  payload: unknown,
  extraHeaders: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { ...baseHeaders, ...extraHeaders },
    body: JSON.stringify(payload),
    isBase64Encoded: false,
  };
}

export function errorResponse(error: AppError, extraHeaders: Record<string, string> = {}): HttpResponse {
  const body: ErrorBody = error.toBody();
  const headers = { ...extraHeaders };
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
  return jsonResponse(error.status, body, headers);
}

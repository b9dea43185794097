import { isHttpEvent } from '../http/http-event.js';
import type { Transport } from './resolve-user-id.js';

/** A `wx.cloud.callFunction` call (or a timer, or the console): the event is the caller's data. */
export interface CallRequest {
  transport: Extract<Transport, 'call-function'>;
  event: unknown;
  /** The trigger's name when the event has a timer's shape; whether it runs as one is decided later. */
  timerName: string | undefined;
  context: unknown;
}

/** A CloudBase HTTP access (云接入) request, with its header names in lower case. */
export interface HttpRequest {
  transport: Extract<Transport, 'http'>;
  method: string;
  path: string;
  headers: Readonly<Record<string, string>>;
  query: Readonly<Record<string, unknown>>;
  /** As delivered: text, maybe base64 (anything else is refused when it is read). */
  body: unknown;
  base64: boolean;
  context: unknown;
}

/** The one request type the app serves, whatever the platform delivered. */
export type AppRequest = CallRequest | HttpRequest;

/** CloudBase `main(event, context)` → the app's request. Never throws: bad shapes fail when read. */
export function toAppRequest(event: unknown, context: unknown): AppRequest {
  if (!isHttpEvent(event)) {
    return { transport: 'call-function', event, timerName: timerName(event), context };
  }
  return {
    transport: 'http',
    method: event.httpMethod.toUpperCase(),
    path: event.path,
    headers: lowerCaseHeaders(event.headers),
    query: isRecord(event.queryStringParameters) ? { ...event.queryStringParameters } : {},
    body: event.body,
    base64: Boolean(event.isBase64Encoded),
    context,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Header names are case-insensitive; API gateways pass them on in any case. */
function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (!isRecord(headers)) return result;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') result[name.toLowerCase()] = value;
  }
  return result;
}

/**
 * The event a timer trigger delivers: `{Type: 'Timer', TriggerName, Time, Message}` (SCF's documented
 * shape; some copies of the docs spell the type `timer`, so its case is not checked).
 */
function timerName(event: unknown): string | undefined {
  if (!isRecord(event)) return undefined;
  const { Type, TriggerName, Time } = event;
  return typeof Type === 'string' &&
    Type.toLowerCase() === 'timer' &&
    typeof TriggerName === 'string' &&
    typeof Time === 'string'
    ? TriggerName
    : undefined;
}

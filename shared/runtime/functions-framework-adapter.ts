import { EVENT_STREAM_HEADERS, type EventStreamWriter } from '../http/event-stream.js';
import type { HttpEvent, HttpResponse } from '../http/http-event.js';
import type { StreamOutcome } from './create-stream-handler.js';

/** The parts of `@cloudbase/functions-framework`'s context this adapter uses (docs/streaming.md). */
export interface FrameworkContext {
  httpContext: { url: string; httpMethod: string; headers: Record<string, string | string[] | undefined> };
  sse(options?: { keepalive?: boolean; headers?: Record<string, string> }): FrameworkSse | null;
}

interface FrameworkSse {
  readonly closed: boolean;
  send(event: string): boolean;
  end(event: string): void;
}

/**
 * The framework's `(event, context)` as the HTTP access event the rest of the service reads. The framework
 * has already parsed a JSON body into `event`; it is serialised again so the one reader applies the same
 * size and nesting limits as on every other path. A text body arrives as a string, anything else as bytes.
 */
export function toHttpEvent(event: unknown, context: FrameworkContext): HttpEvent {
  const { url, httpMethod, headers } = context.httpContext;
  const parsedUrl = new URL(url, 'http://localhost');
  const flatHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flatHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const bytes = Buffer.isBuffer(event) ? event : undefined;
  return {
    path: parsedUrl.pathname,
    httpMethod,
    headers: flatHeaders,
    queryStringParameters: Object.fromEntries(parsedUrl.searchParams),
    body:
      bytes !== undefined
        ? bytes.toString('base64')
        : typeof event === 'string'
          ? event
          : JSON.stringify(event),
    isBase64Encoded: bytes !== undefined,
  };
}

/**
 * Events through the framework's SSE object, switched to only when the first event goes out (before it,
 * an error can still be a JSON response). Its own 3-second heartbeat is off: the turn sends `: ping`.
 */
export function frameworkEventStream(context: FrameworkContext): EventStreamWriter {
  let sse: FrameworkSse | null = null;
  return {
    open() {
      const { 'content-type': _type, ...headers } = EVENT_STREAM_HEADERS;
      sse = context.sse({ keepalive: false, headers });
    },
    write(text) {
      if (sse !== null && !sse.closed) sse.send(text);
    },
    end() {
      if (sse !== null && !sse.closed) sse.end('');
    },
    get closed() {
      return sse?.closed ?? false;
    },
  };
}

/** What the framework sends: nothing more once streamed (it ends the SSE response itself), else the JSON. */
export function toFrameworkResult(outcome: StreamOutcome): string | HttpResponse {
  return outcome.kind === 'streamed' ? '' : outcome.response;
}

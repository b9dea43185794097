/**
 * The model client's `fetch`: the request goes over node:http(s), as the CloudBase SDK's do. Node's own
 * fetch is undici, which Node loads whole on first use and which sets up its own HTTP client and compiles
 * its parser to WebAssembly on the first request: about 30 ms of a cold start's first reply together
 * (interleaved runs, docs/architecture.md#cold-start). It covers what the SDK sends, a POST with a text
 * body and an abort signal, and answers with the part of `Response` the SDK reads. Redirects are not
 * followed (a provider answers, it does not redirect).
 */
import http from 'node:http';
import https from 'node:https';
import { type HeaderInit, HeaderList } from './header-list.js';
import { responseBodyStream } from './response-body-stream.js';

/** What the openai SDK reads of a `Response`. */
export interface FetchedResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly headers: HeaderList;
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface FetchInit {
  method?: string;
  headers?: HeaderInit | null;
  body?: unknown;
  signal?: AbortSignal | null;
}

/** Statuses whose response has no body. */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

export function nodeHttpFetch(input: unknown, init: FetchInit = {}): Promise<FetchedResponse> {
  if (typeof input !== 'string' && !(input instanceof URL)) {
    return Promise.reject(new TypeError('nodeHttpFetch takes a URL, not a Request'));
  }
  const url = new URL(input);
  const { body, signal } = init;
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return Promise.reject(new TypeError('nodeHttpFetch sends text bodies only'));
  }
  // Asked uncompressed (a stream of deltas should not wait on a compressor); decoded if it comes anyway.
  const headers = { 'accept-encoding': 'identity', ...Object.fromEntries(new HeaderList(init.headers)) };
  const method = (init.method ?? 'GET').toUpperCase();
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method, headers, ...(signal ? { signal } : {}) }, (response) => {
      const status = response.statusCode ?? 0;
      const hasBody = method !== 'HEAD' && !NULL_BODY_STATUSES.has(status);
      if (!hasBody) response.resume();
      resolve(
        fetchedResponse(
          url.href,
          status,
          response,
          hasBody ? responseBodyStream(response, signal ?? undefined) : null,
        ),
      );
    });
    request.on('error', (error) =>
      // As fetch: an abort rejects with the AbortError, anything else with "fetch failed" and its cause.
      reject(error.name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error })),
    );
    // Node sends the whole body with its length, not chunked, as it is all there before the headers go.
    request.end(body ?? undefined);
  });
}

function fetchedResponse(
  url: string,
  status: number,
  response: http.IncomingMessage,
  body: ReadableStream<Uint8Array> | null,
): FetchedResponse {
  const headers = new HeaderList();
  for (let index = 0; index + 1 < response.rawHeaders.length; index += 2) {
    headers.append(response.rawHeaders[index] ?? '', response.rawHeaders[index + 1] ?? '');
  }
  const text = async () => {
    if (body === null) return '';
    const decoder = new TextDecoder();
    let content = '';
    for await (const chunk of body) content += decoder.decode(chunk, { stream: true });
    return content + decoder.decode();
  };
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: response.statusMessage ?? '',
    url,
    headers,
    body,
    text,
    json: async () => JSON.parse(await text()),
  };
}

/**
 * The model client's `fetch`: the request goes over node:http(s), as the CloudBase SDK's do, and the
 * answer comes back as the platform's own `Response`. Node's fetch (undici) sets up its own HTTP client
 * and compiles its parser to WebAssembly on the first request: about 25 ms of a cold start's first reply
 * (interleaved runs, docs/architecture.md#cold-start). It covers what the SDK sends, one POST with a text body and an abort
 * signal, and nothing more: redirects are not followed (a provider answers, it does not redirect) and no
 * compression is asked for.
 */
import http from 'node:http';
import https from 'node:https';

/** Statuses whose response has no body, which `Response` refuses one for. */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

export function nodeHttpFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  if (typeof input !== 'string' && !(input instanceof URL)) {
    return Promise.reject(new TypeError('nodeHttpFetch takes a URL, not a Request'));
  }
  const url = new URL(input);
  if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
    return Promise.reject(new TypeError('nodeHttpFetch sends text bodies only'));
  }
  const body = init.body ?? undefined;
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  const method = (init.method ?? 'GET').toUpperCase();
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      { method, headers, ...(init.signal ? { signal: init.signal } : {}) },
      (response) => {
        const status = response.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (let index = 0; index + 1 < response.rawHeaders.length; index += 2) {
          responseHeaders.append(response.rawHeaders[index] ?? '', response.rawHeaders[index + 1] ?? '');
        }
        const hasBody = method !== 'HEAD' && !NULL_BODY_STATUSES.has(status);
        try {
          // Throws on a status outside 200–599, which only a broken server sends.
          resolve(
            new Response(hasBody ? bodyStream(response, init.signal ?? undefined) : null, {
              status,
              statusText: response.statusMessage ?? '',
              headers: responseHeaders,
            }),
          );
          if (!hasBody) response.resume();
        } catch (error) {
          response.destroy();
          reject(new TypeError('fetch failed', { cause: error }));
        }
      },
    );
    request.on('error', (error) =>
      // As fetch: an abort rejects with the AbortError, anything else with "fetch failed" and its cause.
      reject(error.name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error })),
    );
    // Node sends the whole body with its length, not chunked, as it is all there before the headers go.
    request.end(body);
  });
}

/**
 * The body as a web stream that fails as fetch's does, which the SDK and read-reply-stream.ts rely on: an
 * abort as an `AbortError`, a connection cut mid-body as a `TypeError` ("terminated"), never a quiet end.
 */
function bodyStream(response: http.IncomingMessage, signal: AbortSignal | undefined) {
  const failure = (cause: unknown) =>
    signal?.aborted
      ? new DOMException('This operation was aborted', 'AbortError')
      : new TypeError('terminated', { cause });
  let settled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      response.on('data', (chunk: Buffer) => {
        if (settled) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        // Backpressure: the socket waits until the reader asks for more.
        if ((controller.desiredSize ?? 0) <= 0) response.pause();
      });
      response.on('end', () => {
        settled = true;
        controller.close();
      });
      response.on('error', (error) => {
        if (settled) return;
        settled = true;
        controller.error(failure(error));
      });
    },
    pull() {
      response.resume();
    },
    cancel() {
      settled = true;
      response.destroy();
    },
  });
}

import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import zlib from 'node:zlib';

/** The encodings a provider may use even when asked for none (node-http-fetch.ts asks for identity). */
const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/**
 * The body as a web stream that fails as fetch's does, which the openai SDK and read-reply-stream.ts
 * rely on: a connection cut mid-body or an undecodable body as a `TypeError` ("terminated"), an abort
 * as an `AbortError`, never a quiet end of a body that did not end. (A body already wholly received
 * when the abort comes may still end normally; read-reply-stream.ts checks its signals first.)
 */
export function responseBodyStream(
  response: IncomingMessage,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
  const encoding = String(response.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  const decoder = DECODERS[encoding];
  const source: Readable =
    encoding === 'identity' || encoding === ''
      ? response
      : decoder === undefined
        ? failedSource(response, new Error(`unsupported content-encoding "${encoding}"`))
        : (pipeline(response, decoder(), () => undefined) as unknown as Readable);
  const failure = (cause: unknown) =>
    signal?.aborted
      ? new DOMException('This operation was aborted', 'AbortError')
      : new TypeError('terminated', { cause });
  // After a cancel, Node may still emit what it had buffered and the end: nothing may reach the
  // controller then (a closed controller throws, outside any promise).
  let settled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      source.on('data', (chunk: Buffer) => {
        if (settled) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        // Backpressure: the socket waits until the reader asks for more.
        if ((controller.desiredSize ?? 0) <= 0) source.pause();
      });
      source.on('end', () => {
        if (settled) return;
        settled = true;
        controller.close();
      });
      source.on('error', (error) => {
        if (settled) return;
        settled = true;
        controller.error(failure(error));
      });
    },
    pull() {
      source.resume();
    },
    cancel() {
      settled = true;
      response.destroy();
      source.destroy();
    },
  });
}

function failedSource(response: IncomingMessage, error: Error): Readable {
  response.destroy(error);
  return response;
}

/**
 * A stand-in for the mini-program's `wx.request` with `enableChunked: true`: each call is answered by a
 * script (a real server's bytes, cut where the test says), delivered through `onChunkReceived` as
 * ArrayBuffers, then `success` with the status, or `fail` where the script drops the connection.
 */
export interface WxRequestOptions {
  url: string;
  method: string;
  header: Record<string, string>;
  data: string;
  enableChunked: boolean;
  responseType: string;
  success(response: { statusCode: number; header: Record<string, string>; data: ArrayBuffer }): void;
  fail(error: { errMsg: string }): void;
}

export interface ScriptedAnswer {
  statusCode: number;
  chunks: readonly Uint8Array[];
  /** `fail`: the connection drops after the chunks; `hang`: it stays open, silent, until aborted. */
  ending: 'success' | 'fail' | 'hang';
}

export interface FakeWx {
  request(options: WxRequestOptions): { abort(): void; onChunkReceived(listener: ChunkListener): void };
  readonly requests: WxRequestOptions[];
}

type ChunkListener = (response: { data: ArrayBuffer }) => void;

export function createFakeWx(
  answer: (options: WxRequestOptions, index: number) => Promise<ScriptedAnswer>,
): FakeWx {
  const requests: WxRequestOptions[] = [];
  return {
    requests,
    request(options) {
      const index = requests.push(options) - 1;
      let listener: ChunkListener | undefined;
      let aborted = false;
      const deliver = async () => {
        const scripted = await answer(options, index);
        for (const chunk of scripted.chunks) {
          // Each chunk in its own macrotask, as the platform delivers them.
          await new Promise((resolve) => setImmediate(resolve));
          if (aborted) return;
          const copy = new ArrayBuffer(chunk.byteLength);
          new Uint8Array(copy).set(chunk);
          listener?.({ data: copy });
        }
        await new Promise((resolve) => setImmediate(resolve));
        if (aborted || scripted.ending === 'hang') return;
        if (scripted.ending === 'fail') options.fail({ errMsg: 'request:fail connection reset' });
        else options.success({ statusCode: scripted.statusCode, header: {}, data: new ArrayBuffer(0) });
      };
      setImmediate(() => void deliver());
      return {
        abort() {
          if (aborted) return;
          aborted = true;
          options.fail({ errMsg: 'request:fail abort' });
        },
        onChunkReceived(next) {
          listener = next;
        },
      };
    },
  };
}

/** The bytes cut at the given offsets (sorted, deduplicated, inside the bytes), every piece non-empty. */
export function cutBytes(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const points = [...new Set(offsets.filter((offset) => offset > 0 && offset < bytes.length))].sort(
    (first, second) => first - second,
  );
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) pieces.push(bytes.subarray(start, point));
    start = point;
  }
  return pieces;
}

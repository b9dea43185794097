/**
 * The mini-program's stream client decodes UTF-8 and server-sent events by hand (older base libraries
 * have no TextDecoder). Whatever the chunk boundaries, it must read exactly what a decoder that sees the
 * whole stream reads: these properties cut the bytes everywhere fast-check can think of.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadMiniProgramModule } from '../support/load-mini-program-module.js';

interface SseEvent {
  type: string;
  data: string;
}

interface StreamChatModule {
  createUtf8Decoder(): (bytes: Uint8Array, final?: boolean) => string;
  createSseParser(onEvent: (event: SseEvent) => void): (text: string) => void;
}

const client = loadMiniProgramModule<StreamChatModule>('docs/mini-program/stream-chat.js', {});

/** Cut points inside a length, as a sorted list without repeats. */
const cutsWithin = (length: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 40 })
    .map((points) => points.filter((point) => point < length).sort((first, second) => first - second));

function pieces<T extends { slice(start: number, end?: number): T }>(
  whole: T,
  cuts: number[],
  length: number,
): T[] {
  const bounds = [0, ...cuts, length];
  return bounds.slice(1).map((end, index) => whole.slice(bounds[index] ?? 0, end));
}

function decodeInPieces(bytes: Uint8Array, cuts: number[]): string {
  const decode = client.createUtf8Decoder();
  const parts = pieces(bytes, cuts, bytes.length);
  return parts.map((part, index) => decode(part, index === parts.length - 1)).join('');
}

describe('UTF-8 by hand', () => {
  it('reads any text back, whatever the cuts (Chinese, emoji, astral characters)', () => {
    fc.assert(
      fc.property(
        fc
          .string({
            unit: fc.oneof(
              fc.constantFrom('你', '好', '😀', '👩‍👧', '\u00e9', 'a', '\n'),
              fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
            ),
          })
          .chain((text) => fc.tuple(fc.constant(text), cutsWithin(new TextEncoder().encode(text).length))),
        ([text, cuts]) => {
          expect(decodeInPieces(new TextEncoder().encode(text), cuts)).toBe(text);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('agrees with TextDecoder on any bytes, broken sequences included (one U+FFFD each, as WHATWG says)', () => {
    fc.assert(
      fc.property(
        fc
          .uint8Array({ maxLength: 64 })
          .chain((bytes) => fc.tuple(fc.constant(bytes), cutsWithin(bytes.length))),
        ([bytes, cuts]) => {
          const expected = new TextDecoder('utf-8').decode(bytes);
          expect(decodeInPieces(bytes, cuts)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('holds back an unfinished character until its last byte comes', () => {
    const decode = client.createUtf8Decoder();
    const bytes = new TextEncoder().encode('好😀');
    expect(decode(bytes.subarray(0, 2))).toBe('');
    expect(decode(bytes.subarray(2, 5))).toBe('好');
    expect(decode(bytes.subarray(5))).toBe('😀');
    expect(decode(new Uint8Array([0xe5, 0xa5]), true)).toBe('\ufffd');
  });
});

const eventField = fc.constantFrom('meta', 'emotion', 'delta', 'done', 'error');
const lineEnd = fc.constantFrom('\n', '\r\n', '\r');

describe('server-sent events by hand', () => {
  it('reads the same events whatever the line endings, comments and cuts', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            type: eventField,
            data: fc.string({ unit: 'binary' }).map((text) => JSON.stringify({ text })),
          }),
          {
            maxLength: 8,
          },
        ),
        lineEnd,
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 40 }),
        (events, end, withPings, cutSeeds) => {
          const stream = events
            .map(
              (event) =>
                `${withPings ? `: ping${end}` : ''}event: ${event.type}${end}data: ${event.data}${end}${end}`,
            )
            .join('');
          const cuts = [...new Set(cutSeeds.map((cut) => 1 + (cut % Math.max(1, stream.length - 1))))]
            .filter((cut) => cut < stream.length)
            .sort((first, second) => first - second);
          const seen: SseEvent[] = [];
          const push = client.createSseParser((event) => seen.push({ type: event.type, data: event.data }));
          for (const part of pieces(stream, cuts, stream.length)) push(part);
          expect(seen).toEqual(events);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('joins data lines, drops a field-less comment, strips a BOM, defaults the type, skips an unfinished event', () => {
    const seen: SseEvent[] = [];
    const push = client.createSseParser((event) => seen.push({ type: event.type, data: event.data }));
    push('\ufeff: hello\n\ndata:one\ndata: two\n\nevent: delta\n\nevent: done\ndata: {}');
    expect(seen).toEqual([{ type: 'message', data: 'one\ntwo' }]);
  });
});

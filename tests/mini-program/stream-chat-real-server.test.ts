/**
 * The mini-program's stream client fed by the real server: `npm start` (offline demo, local adapter)
 * answers POST /api/chat/stream, and a fake `wx.request` hands its bytes to the client cut at boundaries
 * fast-check picks, through Chinese characters and emoji alike. Whatever the cuts, the client sees the
 * server's events: meta, the face, words that join to done's content, done itself. A connection dropped
 * half-way is resent with the same client_msg_id and the server's stored reply comes back.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFakeWx,
  cutBytes,
  type ScriptedAnswer,
  type WxRequestOptions,
} from '../fakes/fake-wx-request.js';
import { loadMiniProgramModule } from '../support/load-mini-program-module.js';
import { type LocalServerProcess, startLocalServer } from '../support/local-server-process.js';
import { recordStreamCalls, type StreamChatModule } from './stream-chat-calls.js';

let server: LocalServerProcess;
beforeAll(async () => {
  server = await startLocalServer();
}, 30_000);
afterAll(() => server?.stop());

/** What the server really sends for this request: status and every byte. */
async function serverAnswer(options: Pick<WxRequestOptions, 'url' | 'header' | 'data'>) {
  const response = await fetch(options.url, { method: 'POST', headers: options.header, body: options.data });
  return { statusCode: response.status, bytes: new Uint8Array(await response.arrayBuffer()) };
}

function clientWith(answer: (options: WxRequestOptions, index: number) => Promise<ScriptedAnswer>) {
  const wx = createFakeWx(answer);
  return { wx, client: loadMiniProgramModule<StreamChatModule>('docs/mini-program/stream-chat.js', wx) };
}

function chatOptions(message: string, clientMsgId: string) {
  return {
    url: `${server.baseUrl}/api/chat/stream`,
    body: { user_id: 'mini', session_id: 'stream_client', message, client_msg_id: clientMsgId },
    retryDelayMs: 1,
  };
}

describe('stream-chat.js against npm start', () => {
  it('reads a recorded real stream the same way, wherever the chunks are cut', async () => {
    const options = chatOptions('我升职了！😀 终于等到这一天', 'm_recorded');
    const recorded = await serverAnswer({
      url: options.url,
      header: { 'content-type': 'application/json' },
      data: JSON.stringify(options.body),
    });
    expect(recorded.statusCode).toBe(200);
    const multiByte = recorded.bytes.filter((byte) => byte >= 0x80).length;
    expect(multiByte).toBeGreaterThan(100);

    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: recorded.bytes.length - 1 }), { maxLength: 60 }),
        async (cuts) => {
          const { client } = clientWith(async () => ({
            statusCode: 200,
            chunks: cutBytes(recorded.bytes, cuts),
            ending: 'success',
          }));
          const calls = recordStreamCalls();
          const outcome = await client.streamChat({ ...options, ...calls.callbacks }).finished;
          expect(outcome.reply).toMatchObject({
            emotion: 'happy',
            client_msg_id: 'm_recorded',
            ai_generated: true,
          });
          const deltas = calls.log.filter((entry) => entry[0] === 'delta');
          expect(deltas.length).toBeGreaterThan(10);
          expect(calls.text()).toBe(outcome.reply?.content);
          expect(String(outcome.reply?.content)).toContain('离线演示');
          expect(calls.log[0]).toEqual(['meta', expect.objectContaining({ client_msg_id: 'm_recorded' })]);
          expect(calls.log[1]).toEqual(['emotion', 'happy']);
          expect(calls.log.at(-1)?.[0]).toBe('done');
        },
      ),
      { numRuns: 150 },
    );
  }, 30_000);

  it('resends a dropped stream with the same client_msg_id and gets the stored reply', async () => {
    const { wx, client } = clientWith(async (options, index) => {
      const { statusCode, bytes } = await serverAnswer(options);
      // The first answer breaks off inside the words (the server still finishes and stores the turn).
      return index === 0
        ? { statusCode, chunks: cutBytes(bytes, [7, 300, 301]).slice(0, 3), ending: 'fail' }
        : { statusCode, chunks: cutBytes(bytes, [1, 2, 3, 50]), ending: 'success' };
    });
    const calls = recordStreamCalls();
    const outcome = await client.streamChat({
      ...chatOptions('今天好难过，很伤心', 'm_dropped'),
      ...calls.callbacks,
    }).finished;
    expect(wx.requests.map((request) => JSON.parse(request.data).client_msg_id)).toEqual([
      'm_dropped',
      'm_dropped',
    ]);
    expect(outcome.reply).toMatchObject({ emotion: 'sad', client_msg_id: 'm_dropped' });
    expect(calls.text()).toBe(outcome.reply?.content);
    expect(calls.log.some((entry) => entry[0] === 'reset')).toBe(false);

    const history = await fetch(
      `${server.baseUrl}/api/chat/history?user_id=mini&session_id=stream_client`,
    ).then(
      (response) =>
        response.json() as Promise<{ messages: { client_msg_id?: string; message_id: string }[] }>,
    );
    // One stored turn, not two: the resend was answered from the store.
    expect(history.messages.filter((message) => message.client_msg_id === 'm_dropped')).toHaveLength(1);
    const reply = history.messages.find((message) => message.message_id === outcome.reply?.message_id);
    expect(reply).toBeDefined();
  }, 30_000);

  it('passes on the server’s JSON error (bad input) with its code, without resending', async () => {
    const { wx, client } = clientWith(async (options) => {
      const { statusCode, bytes } = await serverAnswer(options);
      return { statusCode, chunks: cutBytes(bytes, [3, 20, 21, 22]), ending: 'success' };
    });
    const outcome = await client.streamChat({ ...chatOptions('   ', 'm_empty') }).finished;
    expect(outcome.error).toMatchObject({ code: 'MESSAGE_EMPTY', retryable: false });
    expect(wx.requests).toHaveLength(1);
  }, 30_000);

  it('brings the care card’s hotlines in done for a crisis message', async () => {
    const { client } = clientWith(async (options) => {
      const { statusCode, bytes } = await serverAnswer(options);
      return {
        statusCode,
        chunks: cutBytes(
          bytes,
          [...bytes.keys()].filter((offset) => offset % 7 === 0),
        ),
        ending: 'success',
      };
    });
    const outcome = await client.streamChat({ ...chatOptions('我想自杀', 'm_crisis') }).finished;
    expect(outcome.reply).toMatchObject({
      safety: {
        level: 'high',
        resources: expect.arrayContaining([expect.objectContaining({ phone: '12356' })]),
      },
    });
  }, 30_000);
});

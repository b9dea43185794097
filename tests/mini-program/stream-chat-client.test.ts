/**
 * The mini-program's stream client (docs/mini-program/stream-chat.js) through a fake `wx.request`:
 * the events reach the callbacks in order, a dropped connection is resent with the same client_msg_id
 * and shows no word twice, an error before the stream is the ordinary JSON error, and nothing is left
 * running once the turn is settled. The real server's bytes: stream-chat-real-server.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createFakeWx, cutBytes, type ScriptedAnswer } from '../fakes/fake-wx-request.js';
import { loadMiniProgramModule } from '../support/load-mini-program-module.js';
import { recordStreamCalls, type StreamChatModule } from './stream-chat-calls.js';

const encoder = new TextEncoder();
const CONTENT = '听起来你今天过得挺辛苦的。😀 我在这里陪着你。';
const DONE = {
  message_id: 'msg_a',
  content: CONTENT,
  emotion: 'caring',
  timestamp: '2026-01-01T00:00:00.000Z',
  session_id: 's1',
  user_message_id: 'msg_q',
  client_msg_id: 'm_1',
  ai_generated: true,
};

/** A stream in the contract's shape, with pings and CRLF line ends to make the parser work. */
function streamBytes(content: string, options: { end?: 'done' | 'error' | 'none' } = {}): Uint8Array {
  const event = (type: string, data: unknown) => `event: ${type}\r\ndata: ${JSON.stringify(data)}\r\n\r\n`;
  const words = content.match(/.{1,3}/gsu) ?? [];
  const ending = options.end ?? 'done';
  return encoder.encode(
    [
      ': ping\r\n\r\n',
      event('meta', { session_id: 's1', user_message_id: 'msg_q', client_msg_id: 'm_1' }),
      event('emotion', { emotion: 'caring' }),
      ...words.map((text) => event('delta', { text })),
      ending === 'done' ? event('done', { ...DONE, content }) : '',
      ending === 'error'
        ? event('error', { error: { code: 'LLM_TIMEOUT', message: '超时', retryable: true } })
        : '',
    ].join(''),
  );
}

const jsonBytes = (body: unknown) => encoder.encode(JSON.stringify(body));

function run(answers: ScriptedAnswer[], options: Record<string, unknown> = {}) {
  const wx = createFakeWx(async (_options, index) => {
    const answer = answers[Math.min(index, answers.length - 1)];
    if (answer === undefined) throw new Error('no scripted answer');
    return answer;
  });
  const client = loadMiniProgramModule<StreamChatModule>('docs/mini-program/stream-chat.js', wx);
  const calls = recordStreamCalls();
  const chat = client.streamChat({
    url: 'https://example.test/api/chat/stream',
    body: { session_id: 's1', message: '你好，我今天感觉不太好', client_msg_id: 'm_1' },
    retryDelayMs: 1,
    ...calls.callbacks,
    ...options,
  });
  return { wx, calls, chat };
}

describe('stream-chat.js', () => {
  it('passes meta, emotion, each delta and done in order, one byte at a time', async () => {
    const bytes = streamBytes(CONTENT);
    const { wx, calls, chat } = run([
      { statusCode: 200, chunks: cutBytes(bytes, [...bytes.keys()]), ending: 'success' },
    ]);
    expect(await chat.finished).toEqual({ reply: DONE });
    expect(calls.log.map((entry) => entry[0]).filter((name, index, all) => name !== all[index - 1])).toEqual([
      'meta',
      'emotion',
      'delta',
      'done',
    ]);
    expect(calls.text()).toBe(CONTENT);
    const sent = wx.requests[0];
    expect(sent).toMatchObject({ method: 'POST', enableChunked: true, responseType: 'arraybuffer' });
    expect(JSON.parse(sent?.data ?? '{}')).toMatchObject({
      client_msg_id: 'm_1',
      message: '你好，我今天感觉不太好',
    });
  });

  it('sends the bearer token when given one, and a fresh client_msg_id when the caller has none', async () => {
    const { wx, chat } = run([{ statusCode: 200, chunks: [streamBytes(CONTENT)], ending: 'success' }], {
      token: 'v1.abc.def',
      body: { session_id: 's1', message: '你好' },
    });
    await chat.finished;
    expect(wx.requests[0]?.header.Authorization).toBe('Bearer v1.abc.def');
    expect(chat.clientMsgId).toMatch(/^m_[a-z0-9]+_[a-z0-9]+$/);
    expect(JSON.parse(wx.requests[0]?.data ?? '{}').client_msg_id).toBe(chat.clientMsgId);
  });

  it('resends with the same client_msg_id when the connection drops, showing no word twice', async () => {
    const bytes = streamBytes(CONTENT);
    // Cut inside a Chinese character: the first attempt ends on part of one.
    const inside = Buffer.from(bytes).indexOf(Buffer.from('苦')) + 1;
    const { wx, calls, chat } = run([
      {
        statusCode: 200,
        chunks: [bytes.subarray(0, inside), bytes.subarray(inside, inside + 1)],
        ending: 'fail',
      },
      // A stream that simply ends without done also counts as dropped.
      { statusCode: 200, chunks: [bytes.subarray(0, inside + 90)], ending: 'success' },
      { statusCode: 200, chunks: [bytes], ending: 'success' },
    ]);
    expect(await chat.finished).toEqual({ reply: DONE });
    const ids = wx.requests.map((request) => JSON.parse(request.data).client_msg_id);
    expect(ids).toEqual(['m_1', 'm_1', 'm_1']);
    expect(calls.text()).toBe(CONTENT);
    expect(calls.log.filter((entry) => entry[0] === 'resend')).toEqual([
      ['resend', 1],
      ['resend', 2],
    ]);
    expect(calls.log.some((entry) => entry[0] === 'reset')).toBe(false);
  });

  it('clears what it showed when a resend brings a different reply (a failed turn answered anew)', async () => {
    const { calls, chat } = run([
      { statusCode: 200, chunks: [streamBytes('第一个回复说到一半', { end: 'none' })], ending: 'fail' },
      { statusCode: 200, chunks: [streamBytes(CONTENT)], ending: 'success' },
    ]);
    expect(await chat.finished).toEqual({ reply: DONE });
    expect(calls.log.some((entry) => entry[0] === 'reset')).toBe(true);
    expect(calls.text()).toBe(CONTENT);
  });

  it('gives up after maxResends with a retryable NETWORK_ERROR, keeping the id for a manual retry', async () => {
    const { wx, calls, chat } = run([{ statusCode: 200, chunks: [], ending: 'fail' }], { maxResends: 2 });
    const outcome = await chat.finished;
    expect(outcome).toEqual({ error: expect.objectContaining({ code: 'NETWORK_ERROR', retryable: true }) });
    expect(wx.requests).toHaveLength(3);
    expect(calls.log.at(-1)?.[0]).toBe('error');
  });

  it('reports a JSON error refused before the turn, without resending', async () => {
    const error = { code: 'RATE_LIMITED', message: '太快了', retryable: true, retry_after_seconds: 30 };
    const body = jsonBytes({ error });
    const { wx, calls, chat } = run([{ statusCode: 429, chunks: cutBytes(body, [5, 9]), ending: 'success' }]);
    expect(await chat.finished).toEqual({ error });
    expect(wx.requests).toHaveLength(1);
    expect(calls.log).toEqual([['error', error]]);
  });

  it('passes the hotlines that come with an error, before the stream or in it', async () => {
    const safety = { level: 'medium', resources: [{ name: '全国心理援助热线', phone: '12356' }] };
    const error = { code: 'LLM_TIMEOUT', message: '超时', retryable: true };
    const inStream = encoder.encode(`event: error\ndata: ${JSON.stringify({ error, safety })}\n\n`);
    for (const answer of [
      { statusCode: 429, chunks: [jsonBytes({ error, safety })], ending: 'success' as const },
      { statusCode: 200, chunks: cutBytes(inStream, [10, 40]), ending: 'success' as const },
    ]) {
      const { calls, chat } = run([answer]);
      expect(await chat.finished).toEqual({ error, safety });
      expect(calls.log.at(-1)).toEqual(['error', error, safety]);
    }
  });

  it('waits and asks again while the same turn is still being answered (409 IDEMPOTENCY_IN_PROGRESS)', async () => {
    const busy = {
      code: 'IDEMPOTENCY_IN_PROGRESS',
      message: '还在回复',
      retryable: true,
      retry_after_seconds: 0,
    };
    const { wx, chat } = run([
      { statusCode: 409, chunks: [jsonBytes({ error: busy })], ending: 'success' },
      { statusCode: 200, chunks: [streamBytes(CONTENT)], ending: 'success' },
    ]);
    expect(await chat.finished).toEqual({ reply: DONE });
    expect(wx.requests).toHaveLength(2);
  });

  it('reports an error event sent after the stream began, with what was shown so far', async () => {
    const { wx, calls, chat } = run([
      { statusCode: 200, chunks: [streamBytes('说到一半', { end: 'error' })], ending: 'success' },
    ]);
    expect(await chat.finished).toEqual({ error: expect.objectContaining({ code: 'LLM_TIMEOUT' }) });
    expect(calls.text()).toBe('说到一半');
    expect(wx.requests).toHaveLength(1);
  });

  it('stops reading on abort and reports it once; the request is aborted, nothing resent', async () => {
    const bytes = streamBytes(CONTENT);
    const { wx, calls, chat } = run([
      { statusCode: 200, chunks: cutBytes(bytes, [...bytes.keys()]), ending: 'success' },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    chat.abort();
    chat.abort();
    expect(await chat.finished).toEqual({ error: expect.objectContaining({ code: 'CLIENT_ABORTED' }) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(wx.requests).toHaveLength(1);
    expect(calls.log.filter((entry) => entry[0] === 'error' || entry[0] === 'done')).toHaveLength(1);
  });

  it('treats a stream that goes silent past idleTimeoutMs as dropped and resends', async () => {
    const { wx, chat } = run(
      [
        { statusCode: 200, chunks: [encoder.encode(': ping\n\n')], ending: 'hang' },
        { statusCode: 200, chunks: [streamBytes(CONTENT)], ending: 'success' },
      ],
      { idleTimeoutMs: 30 },
    );
    expect(await chat.finished).toEqual({ reply: DONE });
    expect(wx.requests).toHaveLength(2);
  });
});

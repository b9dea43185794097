/**
 * The stream reader's idle deadline on virtual time: a provider that stops sending content is given up
 * after LLM_IDLE_TIMEOUT_MS of silence, counted from the last piece of content or reasoning, in
 * milliseconds of real time.
 */
import { describe, expect, it } from 'vitest';
import type { ModelAttempt } from '../../shared/model/chat-model.js';
import { type ReplyChunk, readReplyStream } from '../../shared/model/read-reply-stream.js';
import { VirtualTimers } from '../support/virtual-timers.js';

const IDLE_MS = 20_000;

const chunk = (delta: ReplyChunk['choices'][number]['delta'], finish: string | null = null): ReplyChunk => ({
  choices: [{ delta, finish_reason: finish }],
});

/** Sends each step after its pause, then stays silent until aborted, as a stalled provider does. */
function provider(
  timers: VirtualTimers,
  steps: readonly { after: number; chunk: ReplyChunk }[],
  end: 'stall' | 'close',
) {
  return async (signal: AbortSignal) =>
    (async function* () {
      for (const step of steps) {
        await timers.sleep(step.after);
        if (signal.aborted) throw new Error('aborted');
        yield step.chunk;
      }
      if (end === 'close') return;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      throw new Error('aborted');
    })();
}

function attempt(pieces: string[]): ModelAttempt {
  return {
    messages: [{ role: 'user', content: '你好' }],
    signal: new AbortController().signal,
    timeoutMs: 50_000,
    onText: (text) => pieces.push(text),
  };
}

describe('readReplyStream on virtual time', () => {
  it('gives up LLM_IDLE_TIMEOUT_MS after the last content, keeping what was shown', async () => {
    const timers = new VirtualTimers();
    const pieces: string[] = [];
    const steps = [
      { after: 5_000, chunk: chunk({ content: '[caring] 我' }) },
      { after: 15_000, chunk: chunk({ content: '在' }) },
    ];
    await expect(
      readReplyStream(attempt(pieces), { timeoutMs: IDLE_MS, timers }, provider(timers, steps, 'stall')),
    ).rejects.toMatchObject({ code: 'LLM_TIMEOUT' });
    expect(pieces).toEqual(['[caring] 我', '在']);
    // 20 s after the second piece, not after the first: each piece of content restarts the wait.
    expect(timers.current).toBe(5_000 + 15_000 + IDLE_MS);
  });

  it('counts a reasoning model thinking as progress, and finishes when the content comes', async () => {
    const timers = new VirtualTimers();
    const steps = [
      { after: 15_000, chunk: chunk({ reasoning_content: '想一想' }) },
      { after: 15_000, chunk: chunk({ reasoning_content: '再想想' }) },
      { after: 15_000, chunk: chunk({ content: '[caring] 我在。' }, 'stop') },
    ];
    const reply = await readReplyStream(
      attempt([]),
      { timeoutMs: IDLE_MS, timers },
      provider(timers, steps, 'close'),
    );
    expect(reply.text).toBe('[caring] 我在。');
    expect(timers.current).toBe(45_000);
  });

  it('is LLM_STREAM_INTERRUPTED when the stream ends without a finish reason', async () => {
    const timers = new VirtualTimers();
    const steps = [{ after: 1_000, chunk: chunk({ content: '[caring] 我' }) }];
    await expect(
      readReplyStream(attempt([]), { timeoutMs: IDLE_MS, timers }, provider(timers, steps, 'close')),
    ).rejects.toMatchObject({ code: 'LLM_STREAM_INTERRUPTED' });
  });
});

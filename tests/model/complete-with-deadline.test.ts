/**
 * Unit tests of the retry-and-deadline loop around any ChatModel. The model is a small scripted class
 * and time is a simulated clock (injected `now` and `sleep`), so retry decisions that depend on minutes
 * of provider behaviour run in microseconds and deterministically. Only the "model ignores the abort
 * signal" cases use real time, because the deadline there is a real timer by design.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors/app-error.js';
import type { ChatModel, ModelAttempt, ModelReply } from '../../shared/model/chat-model.js';
import { completeWithDeadline } from '../../shared/model/complete-with-deadline.js';
import type { ModelMessage } from '../../shared/prompt/build-model-messages.js';
import { wallTimers } from '../support/wall-timers.js';

const MESSAGES: readonly ModelMessage[] = [
  { role: 'system', content: '你是一只温柔的小怪兽。' },
  { role: 'user', content: '今天好累' },
];

/** What the scripted model does on one attempt. */
type Step =
  | { kind: 'reply'; text: string; spendMs?: number }
  | { kind: 'fail'; error: unknown; spendMs?: number }
  /** Never settles and never looks at the abort signal: the worst provider client imaginable. */
  | { kind: 'hang' };

/** A clock the test moves by hand; `sleep` advances it instead of waiting. */
class SimulatedClock {
  current = 1_000_000;
  readonly sleeps: number[] = [];
  /** Extra time every sleep takes beyond what was asked, as on an overloaded machine. */
  sleepOverrunMs = 0;

  readonly now = (): number => this.current;

  readonly sleep = async (milliseconds: number): Promise<void> => {
    this.sleeps.push(milliseconds);
    this.current += milliseconds + this.sleepOverrunMs;
  };
}

/** A hand-written ChatModel that plays one scripted step per attempt and records what it was given. */
class ScriptedModel implements ChatModel {
  readonly provider = 'openai' as const;
  readonly attempts: ModelAttempt[] = [];
  private readonly steps: readonly Step[];
  private readonly clock: SimulatedClock | undefined;

  constructor(steps: readonly Step[], clock?: SimulatedClock) {
    this.steps = steps;
    this.clock = clock;
  }

  async complete(attempt: ModelAttempt): Promise<ModelReply> {
    this.attempts.push(attempt);
    const step = this.steps[this.attempts.length - 1];
    if (step === undefined) throw new Error('the loop made more attempts than the test scripted');
    if (step.kind === 'hang') return new Promise<ModelReply>(() => {});
    // Simulated time spent talking to the provider before the attempt ends.
    if (this.clock !== undefined) this.clock.current += step.spendMs ?? 0;
    if (step.kind === 'fail') throw step.error;
    return { text: step.text, usage: { promptTokens: 10, completionTokens: 5 } };
  }
}

function upstreamError(detail = 'upstream'): AppError {
  return new AppError('LLM_UPSTREAM_ERROR', `model upstream error (${detail})`);
}

function rateLimited(retryAfterMs: number): AppError {
  return new AppError('LLM_RATE_LIMITED', 'rate limited', { retryAfterMs });
}

function run(
  model: ChatModel,
  clock: SimulatedClock,
  options: { deadlineMs: number; maxAttempts: number; maxRetryWaitMs?: number },
) {
  return completeWithDeadline(model, MESSAGES, {
    deadlineAt: clock.current + options.deadlineMs,
    maxAttempts: options.maxAttempts,
    maxRetryWaitMs: options.maxRetryWaitMs ?? 3_000,
    timers: { now: clock.now, sleep: clock.sleep, schedule: wallTimers.schedule },
  });
}

/** Awaits a promise that must reject and hands back what it rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail, but it succeeded');
    },
    (error: unknown) => error,
  );
}

describe('completeWithDeadline: success and attempts', () => {
  it('returns the first reply and gives the model the whole remaining time and the messages', async () => {
    const clock = new SimulatedClock();
    const model = new ScriptedModel([{ kind: 'reply', text: '[caring] 辛苦了' }], clock);
    const reply = await run(model, clock, { deadlineMs: 10_000, maxAttempts: 3 });
    expect(reply).toEqual({
      text: '[caring] 辛苦了',
      usage: { promptTokens: 10, completionTokens: 5 },
      fromFallback: false,
    });
    expect(model.attempts).toHaveLength(1);
    expect(model.attempts[0]?.timeoutMs).toBe(10_000);
    expect(model.attempts[0]?.messages).toEqual(MESSAGES);
    // The attempt's signal is aborted once it is over, so a provider client cannot keep reading.
    expect(model.attempts[0]?.signal.aborted).toBe(true);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries a retryable error after a short backoff and returns the second reply', async () => {
    const clock = new SimulatedClock();
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: upstreamError(), spendMs: 300 },
        { kind: 'reply', text: '[happy] 太好了' },
      ],
      clock,
    );
    const reply = await run(model, clock, { deadlineMs: 10_000, maxAttempts: 2 });
    expect(reply.text).toBe('[happy] 太好了');
    expect(model.attempts).toHaveLength(2);
    expect(clock.sleeps).toEqual([200]);
    // The second attempt gets only what is left of the same deadline, not a fresh budget.
    expect(model.attempts[1]?.timeoutMs).toBe(10_000 - 300 - 200);
  });

  it('backs off exponentially between attempts when the error names no Retry-After', async () => {
    const clock = new SimulatedClock();
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: new AppError('LLM_UNAVAILABLE', 'unreachable') },
        { kind: 'fail', error: new AppError('LLM_BAD_RESPONSE', 'bad body') },
        { kind: 'reply', text: '[neutral] 好的' },
      ],
      clock,
    );
    await expect(run(model, clock, { deadlineMs: 20_000, maxAttempts: 3 })).resolves.toMatchObject({
      text: '[neutral] 好的',
    });
    expect(clock.sleeps).toEqual([200, 400]);
  });

  it('never makes more than maxAttempts attempts and rethrows the last error', async () => {
    const clock = new SimulatedClock();
    const errors = [upstreamError('first'), upstreamError('second'), upstreamError('third')];
    const model = new ScriptedModel(
      [...errors.map((error): Step => ({ kind: 'fail', error })), { kind: 'reply', text: 'too late' }],
      clock,
    );
    const error = await rejectionOf(run(model, clock, { deadlineMs: 60_000, maxAttempts: 3 }));
    expect(error).toBe(errors[2]);
    expect(model.attempts).toHaveLength(3);
    // No pointless wait after the final attempt.
    expect(clock.sleeps).toEqual([200, 400]);
  });

  it('makes exactly one attempt when maxAttempts is 1', async () => {
    const clock = new SimulatedClock();
    const failure = upstreamError();
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: failure },
        { kind: 'reply', text: 'unused' },
      ],
      clock,
    );
    await expect(run(model, clock, { deadlineMs: 60_000, maxAttempts: 1 })).rejects.toBe(failure);
    expect(model.attempts).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('completeWithDeadline: which errors are retried', () => {
  it.each([
    [
      'content filtered (retryable: false)',
      new AppError('LLM_CONTENT_FILTERED', 'filtered', { retryable: false }),
    ],
    [
      'a 4xx upstream error marked not retryable (bad key, bad request)',
      new AppError('LLM_UPSTREAM_ERROR', 'rejected', { retryable: false }),
    ],
    // A timeout is retryable for the user, but it has used the turn's time, so the loop gives up.
    ['a timeout', new AppError('LLM_TIMEOUT', 'timed out')],
    ['a non-model AppError that is not retryable', new AppError('INVALID_INPUT', 'bad input')],
  ])('does not retry %s', async (_name, failure) => {
    const clock = new SimulatedClock();
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: failure },
        { kind: 'reply', text: 'unused' },
      ],
      clock,
    );
    await expect(run(model, clock, { deadlineMs: 60_000, maxAttempts: 3 })).rejects.toBe(failure);
    expect(model.attempts).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('turns a non-AppError into a retryable LLM_UPSTREAM_ERROR without its text, keeping it as the cause', async () => {
    const clock = new SimulatedClock();
    const raw = new Error('provider said: sk-live-SECRET and the user prompt');
    const model = new ScriptedModel([{ kind: 'fail', error: raw }], clock);
    const error = await rejectionOf(run(model, clock, { deadlineMs: 60_000, maxAttempts: 1 }));
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect(appError.code).toBe('LLM_UPSTREAM_ERROR');
    expect(appError.retryable).toBe(true);
    expect(appError.cause).toBe(raw);
    expect(appError.message).not.toContain('SECRET');
    expect(JSON.stringify(appError.toBody())).not.toContain('SECRET');
  });

  it('retries after a thrown non-Error value (e.g. a string) like any upstream failure', async () => {
    const clock = new SimulatedClock();
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: 'socket hang up' },
        { kind: 'reply', text: '[neutral] 在的' },
      ],
      clock,
    );
    await expect(run(model, clock, { deadlineMs: 60_000, maxAttempts: 2 })).resolves.toMatchObject({
      text: '[neutral] 在的',
    });
    expect(model.attempts).toHaveLength(2);
  });
});

describe('completeWithDeadline: waiting before a retry', () => {
  it('waits the Retry-After the provider asked for when it is within maxRetryWaitMs', async () => {
    const clock = new SimulatedClock();
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: rateLimited(2_500) },
        { kind: 'reply', text: '[neutral] 好了' },
      ],
      clock,
    );
    await run(model, clock, { deadlineMs: 20_000, maxAttempts: 2, maxRetryWaitMs: 3_000 });
    expect(clock.sleeps).toEqual([2_500]);
    expect(model.attempts).toHaveLength(2);
  });

  it('waits exactly maxRetryWaitMs when that is what Retry-After asks', async () => {
    const clock = new SimulatedClock();
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: rateLimited(3_000) },
        { kind: 'reply', text: 'ok' },
      ],
      clock,
    );
    await run(model, clock, { deadlineMs: 20_000, maxAttempts: 2, maxRetryWaitMs: 3_000 });
    expect(clock.sleeps).toEqual([3_000]);
  });

  it('gives up at once, without sleeping, when Retry-After is longer than maxRetryWaitMs', async () => {
    const clock = new SimulatedClock();
    const failure = rateLimited(600_000);
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: failure },
        { kind: 'reply', text: 'unused' },
      ],
      clock,
    );
    await expect(
      run(model, clock, { deadlineMs: 3_600_000, maxAttempts: 5, maxRetryWaitMs: 3_000 }),
    ).rejects.toBe(failure);
    expect(clock.sleeps).toEqual([]);
    expect(model.attempts).toHaveLength(1);
    // The caller can still tell the user when to come back.
    expect(failure.toBody().error.retry_after_seconds).toBe(600);
  });

  it('retries immediately on Retry-After: 0', async () => {
    const clock = new SimulatedClock();
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: rateLimited(0) },
        { kind: 'reply', text: 'ok' },
      ],
      clock,
    );
    await run(model, clock, { deadlineMs: 20_000, maxAttempts: 2, maxRetryWaitMs: 3_000 });
    expect(clock.sleeps).toEqual([0]);
  });

  it('treats maxRetryWaitMs below the first backoff step as "do not retry"', async () => {
    const clock = new SimulatedClock();
    const failure = upstreamError();
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: failure },
        { kind: 'reply', text: 'unused' },
      ],
      clock,
    );
    await expect(run(model, clock, { deadlineMs: 60_000, maxAttempts: 3, maxRetryWaitMs: 100 })).rejects.toBe(
      failure,
    );
    expect(clock.sleeps).toEqual([]);
  });
});

describe('completeWithDeadline: time left for another attempt', () => {
  it('retries when 1.5 s or more would remain after the backoff', async () => {
    const clock = new SimulatedClock();
    // 10 000 - 8 300 spent - 200 backoff = exactly 1 500 ms for the second attempt.
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: upstreamError(), spendMs: 8_300 },
        { kind: 'reply', text: 'just in time' },
      ],
      clock,
    );
    await expect(run(model, clock, { deadlineMs: 10_000, maxAttempts: 2 })).resolves.toMatchObject({
      text: 'just in time',
    });
    expect(model.attempts[1]?.timeoutMs).toBe(1_500);
  });

  it('does not start another attempt with less than 1.5 s remaining, and rethrows the real error', async () => {
    const clock = new SimulatedClock();
    const failure = upstreamError();
    // 10 000 - 8 400 spent - 200 backoff = 1 400 ms: not enough for a useful reply.
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: failure, spendMs: 8_400 },
        { kind: 'reply', text: 'unused' },
      ],
      clock,
    );
    await expect(run(model, clock, { deadlineMs: 10_000, maxAttempts: 3 })).rejects.toBe(failure);
    expect(model.attempts).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('does not wait for a Retry-After that would leave less than 1.5 s', async () => {
    const clock = new SimulatedClock();
    const failure = rateLimited(2_000);
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: failure },
        { kind: 'reply', text: 'unused' },
      ],
      clock,
    );
    await expect(
      run(model, clock, { deadlineMs: 3_000, maxAttempts: 2, maxRetryWaitMs: 3_000 }),
    ).rejects.toBe(failure);
    expect(clock.sleeps).toEqual([]);
  });

  it('checks the time again after sleeping, in case the sleep overran', async () => {
    const clock = new SimulatedClock();
    clock.sleepOverrunMs = 1_000;
    const failure = upstreamError();
    // After the 200 ms backoff 1 800 ms would remain, but the overrun leaves only 800 ms.
    const model = new ScriptedModel(
      [
        { kind: 'fail', error: failure, spendMs: 8_000 },
        { kind: 'reply', text: 'unused' },
      ],
      clock,
    );
    await expect(run(model, clock, { deadlineMs: 10_000, maxAttempts: 2 })).rejects.toBe(failure);
    expect(clock.sleeps).toEqual([200]);
    expect(model.attempts).toHaveLength(1);
  });

  it('still makes a first attempt with little time left, but none once the deadline has passed', async () => {
    const clock = new SimulatedClock();
    const model = new ScriptedModel([{ kind: 'reply', text: 'quick' }], clock);
    await expect(run(model, clock, { deadlineMs: 800, maxAttempts: 2 })).resolves.toMatchObject({
      text: 'quick',
    });

    const late = new ScriptedModel([{ kind: 'reply', text: 'unused' }], clock);
    const error = await rejectionOf(run(late, clock, { deadlineMs: 0, maxAttempts: 2 }));
    expect(error).toMatchObject({ code: 'LLM_TIMEOUT' });
    expect(late.attempts).toHaveLength(0);
  });
});

describe('completeWithDeadline: a model that ignores the abort signal', () => {
  // Real time here: the deadline is a real timer, which is the point of these tests.
  it('is rejected with LLM_TIMEOUT at the deadline, and its signal is aborted', async () => {
    const model = new ScriptedModel([{ kind: 'hang' }, { kind: 'reply', text: 'unused' }]);
    const deadlineMs = 150;
    const startedAt = Date.now();
    const error = await rejectionOf(
      completeWithDeadline(model, MESSAGES, {
        deadlineAt: startedAt + deadlineMs,
        maxAttempts: 3,
        maxRetryWaitMs: 3_000,
        timers: wallTimers,
      }),
    );
    const elapsedMs = Date.now() - startedAt;
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('LLM_TIMEOUT');
    expect(elapsedMs).toBeGreaterThanOrEqual(deadlineMs - 20);
    expect(elapsedMs).toBeLessThan(deadlineMs + 700);
    // The time is used up, so there is no second attempt even though maxAttempts allows it.
    expect(model.attempts).toHaveLength(1);
    expect(model.attempts[0]?.signal.aborted).toBe(true);
  });

  it('times out a hanging retry by the same deadline, not a fresh one', async () => {
    // Simulated `now` so the retry is certain to start with exactly 1.5 s left; that 1.5 s then
    // runs as a real timer, because the hanging model can only be stopped by the deadline timer.
    const clock = new SimulatedClock();
    const model = new ScriptedModel(
      [{ kind: 'fail', error: upstreamError(), spendMs: 8_300 }, { kind: 'hang' }],
      clock,
    );
    const startedAt = Date.now();
    const error = await rejectionOf(run(model, clock, { deadlineMs: 10_000, maxAttempts: 3 }));
    const elapsedMs = Date.now() - startedAt;
    expect(error).toMatchObject({ code: 'LLM_TIMEOUT' });
    expect(model.attempts).toHaveLength(2);
    expect(model.attempts[1]?.timeoutMs).toBe(1_500);
    expect(model.attempts[1]?.signal.aborted).toBe(true);
    expect(elapsedMs).toBeGreaterThanOrEqual(1_480);
    expect(elapsedMs).toBeLessThan(1_500 + 700);
  });
});

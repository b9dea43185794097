import { describe, expect, it } from 'vitest';
import { streamChatTurn } from '../../../shared/chat/stream/stream-chat-turn.js';
import { PING_INTERVAL_MS, TurnStream } from '../../../shared/chat/stream/turn-stream.js';
import type { TurnStep } from '../../../shared/chat/turn-context.js';
import { AppError } from '../../../shared/errors/app-error.js';
import type { EventStreamWriter } from '../../../shared/http/event-stream.js';
import type { CrisisScreen } from '../../../shared/safety/screen-crisis-risk.js';
import { parseEventStream } from '../../support/read-event-stream.js';
import type { VirtualTimers } from '../../support/virtual-timers.js';
import { type FakeWorld, fakeWorld, MarkerContentCheck, type ModelStep } from '../fake-turn-ports.js';

/** A client that records what arrived and when (virtual time), and can walk away. */
class RecordingClient implements EventStreamWriter {
  opened = false;
  ended = false;
  closed = false;
  readonly arrivals: { at: number; text: string }[] = [];
  constructor(private readonly timers: VirtualTimers) {}
  open() {
    this.opened = true;
  }
  write(text: string) {
    this.arrivals.push({ at: this.timers.now(), text });
  }
  end() {
    this.ended = true;
  }
  get events() {
    return parseEventStream(this.arrivals.map((arrival) => arrival.text).join('')).events;
  }
  get names() {
    return this.events.map((entry) => entry.event);
  }
  get shownText() {
    return this.events
      .filter((entry) => entry.event === 'delta')
      .map((entry) => (entry.data as { text: string }).text)
      .join('');
  }
  get deltas() {
    return this.events
      .filter((entry) => entry.event === 'delta')
      .map((entry) => (entry.data as { text: string }).text);
  }
}

const key = { userId: 'user_a', sessionId: 'session_1' };

function streamed(
  world: FakeWorld,
  message: string,
  options: {
    judgement?: Promise<CrisisScreen | undefined>;
    steps?: readonly TurnStep[];
    clientMsgId?: string;
  } = {},
) {
  const turn = world.turn({ message, clientMsgId: options.clientMsgId ?? 'c1' });
  turn.crisisJudgement = options.judgement;
  const client = new RecordingClient(world.timers);
  const stream = new TurnStream(turn, client, 2_000);
  return { turn, client, done: streamChatTurn(turn, stream, options.steps) };
}

function scripted(...steps: ModelStep[]) {
  return fakeWorld({ script: steps });
}

describe('deltas: the reply in order, the emotion tag never in one', () => {
  it('holds a tag at the start, even split across pieces, and shows the words as they come', async () => {
    const world = scripted({
      reply: '[sad] 听起来很累。休息一下吧。',
      pieces: ['[s', 'ad', '] 听起来', '很累。', '休息一下吧。'],
      gapMs: 10,
    });
    const { client, done } = streamed(world, '好累');
    const reply = await done;
    expect(client.names).toEqual(['meta', 'emotion', 'delta', 'delta', 'delta', 'done']);
    expect(client.deltas).toEqual(['听起来', '很累。', '休息一下吧。']);
    expect(client.events[1]?.data).toEqual({ emotion: 'sad' });
    expect(client.shownText).toBe(reply?.content);
    expect(client.events.at(-1)?.data).toEqual(reply);
    expect(client.ended).toBe(true);
  });

  it('holds a tag at the end until the reply ends, and moves the punctuation after it into place', async () => {
    const world = scripted({
      reply: '别担心，我在[caring]。',
      pieces: ['别担心，', '我在', '[car', 'ing]', '。'],
    });
    const { client, done } = streamed(world, '我有点怕');
    const reply = await done;
    expect(reply?.content).toBe('别担心，我在。');
    expect(client.deltas).toEqual(['别担心，', '我在', '。']);
    expect(client.deltas.join('')).not.toContain('caring');
  });

  it('shows a bracket that turns out not to be a tag', async () => {
    const world = scripted({ reply: '[happy] 试试[深呼吸]吧', pieces: ['[happy] 试试', '[深', '呼吸]吧'] });
    const { client, done } = streamed(world, '怎么办');
    const reply = await done;
    expect(client.deltas).toEqual(['试试', '[深', '呼吸]吧']);
    expect(client.shownText).toBe(reply?.content);
  });

  it('puts the AI label in done only', async () => {
    const world = scripted({ reply: '[happy] 太好了！', pieces: ['[happy] 太', '好了！'] });
    const { turn, client, done } = streamed(world, '我通过了');
    (turn.settings as { aiLabelText: string | undefined }).aiLabelText = 'AI 生成';
    const reply = await done;
    expect(client.shownText).toBe('太好了！');
    expect(reply?.content).toBe('太好了！\n\nAI 生成');
  });
});

describe('the crisis judge (its verdict applied by the turn: apply-crisis-judgement.ts)', () => {
  it('holds the first words until it answers; a `high` replaces the reply before any of it shows', async () => {
    const world = scripted({
      reply: '[neutral] 听起来只是累了。',
      pieces: ['[neutral] 听起来', '只是累了。'],
    });
    const judgement = world.timers
      .sleep(1_500)
      .then(() => ({ level: 'high' as const, categories: ['judge'] }));
    const { client, done } = streamed(world, '我不想再撑下去了', { judgement });
    const reply = await done;
    expect(client.names).toEqual(['meta', 'done']);
    expect(reply?.safety?.level).toBe('high');
    expect(reply?.content).not.toContain('只是累了');
  });

  it('lets the words through when it answers lower, as soon as it answers', async () => {
    const world = scripted({ reply: '[caring] 我在听。', pieces: ['[caring] 我在听。'] });
    const judgement = world.timers.sleep(300).then(() => ({ level: 'none' as const, categories: [] }));
    const { client, done } = streamed(world, '随便聊聊', { judgement });
    await done;
    expect(client.names).toEqual(['meta', 'emotion', 'delta', 'done']);
    const delta = client.arrivals.find((arrival) => arrival.text.startsWith('event: delta'));
    expect(delta?.at).toBe(300);
  });

  it('shows the reply after CRISIS_JUDGE_WAIT_MS when the judge has not answered', async () => {
    const world = scripted({ reply: '[caring] 我在听。', pieces: ['[caring] 我在', '听。'], gapMs: 100 });
    // The judge's own deadline (3 s by default) is past the stream's wait: the words show first.
    const judgement = world.timers.sleep(3_000).then(() => undefined);
    const { client, done } = streamed(world, '随便聊聊', { judgement });
    await done;
    expect(client.shownText).toBe('我在听。');
    const first = client.arrivals.find((arrival) => arrival.text.startsWith('event: delta'));
    expect(first?.at).toBe(100 + 2_000);
  });
  it('stops the words the moment a `high` comes after the wait; done carries the fixed reply', async () => {
    const world = scripted({
      reply: '[caring] 一二三四五',
      pieces: ['[caring] 一', '二', '三', '四', '五'],
      gapMs: 700,
    });
    const judgement = world.timers
      .sleep(2_900)
      .then(() => ({ level: 'high' as const, categories: ['judge'] }));
    const { client, done } = streamed(world, '随便聊聊', { judgement });
    const reply = await done;
    const deltaTimes = client.arrivals
      .filter((arrival) => arrival.text.startsWith('event: delta'))
      .map((arrival) => arrival.at);
    // The wait ends at 2,000 ms and shows what came so far; nothing goes out after the verdict at 2,900.
    expect(deltaTimes.length).toBeGreaterThan(0);
    expect(deltaTimes.every((at) => at < 2_900)).toBe(true);
    expect(client.shownText).not.toContain('五');
    expect(reply?.safety?.level).toBe('high');
    expect(client.events.at(-1)?.data).toMatchObject({ safety: { level: 'high' } });
  });
});

describe('the stream around the turn', () => {
  it('pings at least every 15 s while the model is silent', async () => {
    const world = scripted({ reply: '[neutral] 嗯。', spendMs: 40_000 });
    const { client, done } = streamed(world, '你在吗');
    await done;
    const pings = client.arrivals
      .filter((arrival) => arrival.text === ': ping\n\n')
      .map((arrival) => arrival.at);
    expect(pings.length).toBeGreaterThanOrEqual(3);
    const times = [0, ...client.arrivals.map((arrival) => arrival.at)];
    const gaps = times.slice(1).map((at, index) => at - (times[index] ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(15_000);
    expect(PING_INTERVAL_MS).toBeLessThanOrEqual(15_000);
  });

  it('ends with an error event, the words stored as failed, when the model fails after meta', async () => {
    const world = scripted(
      { fail: new AppError('LLM_UNAVAILABLE', '模型暂时不可用。(Model unavailable)') },
      { fail: new AppError('LLM_UNAVAILABLE', '模型暂时不可用。(Model unavailable)') },
    );
    const { client, done } = streamed(world, '你好');
    expect(await done).toBeUndefined();
    expect(client.names).toEqual(['meta', 'error']);
    expect(client.events[1]?.data).toMatchObject({ error: { code: 'LLM_UNAVAILABLE' } });
    expect(world.store.document(key)?.messages[0]?.status).toBe('failed');
  });

  it('tries no other attempt once words are shown: the failure ends the stream', async () => {
    const world = scripted(
      {
        fail: new AppError('LLM_STREAM_INTERRUPTED', '中断 (Interrupted)', { retryable: true }),
        pieces: ['[sad] 我懂'],
      },
      { reply: '[sad] 第二次' },
    );
    const { client, done } = streamed(world, '你好');
    await done;
    expect(client.names).toEqual(['meta', 'emotion', 'delta', 'error']);
    expect(world.model.attempts).toHaveLength(1);
  });

  it('retries an attempt nobody saw, and shows only the new attempt', async () => {
    const world = scripted(
      {
        fail: new AppError('LLM_STREAM_INTERRUPTED', '中断 (Interrupted)', { retryable: true }),
        pieces: ['[sa'],
      },
      { reply: '[happy] 好的', pieces: ['[happy] 好', '的'] },
    );
    const { client, done } = streamed(world, '你好');
    await done;
    expect(client.shownText).toBe('好的');
    expect(world.model.attempts).toHaveLength(2);
  });

  it('withdraws shown words with an error event when the reply fails the content check', async () => {
    const world = scripted({ reply: '[happy] 这是违规的回答', pieces: ['[happy] 这是', '违规的回答'] });
    world.wechat = new MarkerContentCheck([{ marker: '违规', verdict: 'risky' }]);
    const { client, done } = streamed(world, '你好');
    await done;
    expect(client.names).toEqual(['meta', 'emotion', 'delta', 'delta', 'error']);
    expect(client.events.at(-1)?.data).toMatchObject({ error: { code: 'CONTENT_BLOCKED', retryable: true } });
  });

  it('answers a limit before the stream begins: thrown, for the caller to send as JSON', async () => {
    const world = scripted();
    world.limits.messagesPerMinute = 1;
    world.usage.minute = 5;
    const { client, done } = streamed(world, '你好');
    await expect(done).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(client.opened).toBe(false);
  });

  it('answers a high risk from the screen with the fixed reply in done and no model text', async () => {
    const world = scripted();
    const { client, done } = streamed(world, '我想自杀');
    const reply = await done;
    expect(client.names).toEqual(['meta', 'done']);
    expect(reply?.safety?.level).toBe('high');
    expect(world.model.attempts).toHaveLength(0);
  });

  it('finishes and stores the turn for a client that went away', async () => {
    const world = scripted({
      reply: '[caring] 我一直在。',
      pieces: ['[caring] 我', '一直在。'],
      gapMs: 1_000,
    });
    const { client, done } = streamed(world, '我走了');
    await world.timers.sleep(500);
    client.closed = true;
    const reply = await done;
    expect(reply?.content).toBe('我一直在。');
    expect(world.store.document(key)?.messages.map((message) => message.content)).toEqual([
      '我走了',
      '我一直在。',
    ]);
    // A resend with the same id gets the stored reply, whole, in done.
    const again = streamed(world, '我走了');
    expect((await again.done)?.message_id).toBe(reply?.message_id);
    expect(again.client.names).toEqual(['meta', 'done']);
  });
});

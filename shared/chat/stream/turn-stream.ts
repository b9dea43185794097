import type { EventStreamWriter } from '../../http/event-stream.js';
import { formatEvent, PING_COMMENT } from '../../http/event-stream.js';
import type { CrisisScreen } from '../../safety/screen-crisis-risk.js';
import type { ChatReply } from '../chat-reply.js';
import type { TurnContext } from '../turn-context.js';
import { shownReplyPrefix } from './shown-reply-prefix.js';

/** A comment this often keeps proxies and the mini-program from closing a quiet stream (at most 15 s). */
export const PING_INTERVAL_MS = 10_000;

/**
 * One turn's server-sent events: `meta` once the words are stored, `emotion` and `delta` as the model
 * writes (the tag held back, the first words held for the crisis judge), then `done` or `error`
 * (stream-chat-turn.ts). The turn never waits on the client: writes to a client that left are dropped
 * and the turn goes on until its reply is stored.
 */
export class TurnStream {
  private opened = false;
  private raw = '';
  private attempt = 0;
  private shown = '';
  private emotionSent = false;
  /** Undefined until the first words; then settles when they may be shown (or must never be). */
  private gate: Promise<void> | undefined;
  private gateOpen = false;
  private judgedHigh = false;
  private cancelPing: (() => void) | undefined;
  private readonly knownLabels: readonly string[];

  constructor(
    private readonly turn: TurnContext,
    private readonly writer: EventStreamWriter,
    private readonly judgeWaitMs: number,
  ) {
    this.knownLabels = turn.settings.prompt.labelSet.labels.map((entry) => entry.label);
  }

  get isOpen(): boolean {
    return this.opened;
  }

  /** Whether a word of the reply reached the client: after that no other attempt may replace it. */
  get showedWords(): boolean {
    return this.shown !== '';
  }

  meta(data: { session_id: string; user_message_id: string; client_msg_id: string }): void {
    this.send('meta', data);
  }

  /** A piece of an attempt's raw text; a new attempt starts over (nothing of the old one was shown). */
  readonly onText = (text: string, attempt: number): void => {
    if (attempt !== this.attempt) {
      this.attempt = attempt;
      this.raw = '';
    }
    this.raw += text;
    this.flush();
  };

  /** Another attempt may only replace a reply nobody has seen. */
  readonly mayRetry = (): boolean => !this.showedWords;

  /** Resolves once the first words may be shown (or are suppressed); at once when none are waiting. */
  async settled(): Promise<void> {
    await (this.gate ?? this.openGate());
  }

  /** The rest of the stored reply, then `done` with the reply exactly as POST /api/chat returns it. */
  async finish(reply: ChatReply, content: string | undefined): Promise<void> {
    await this.settled();
    if (!this.opened) {
      this.meta({
        session_id: reply.session_id,
        user_message_id: reply.user_message_id,
        client_msg_id: reply.client_msg_id,
      });
    }
    if (content !== undefined && !this.judgedHigh) {
      this.sendEmotion(reply.emotion);
      if (content.startsWith(this.shown) && content.length > this.shown.length) {
        this.send('delta', { text: content.slice(this.shown.length) });
        this.shown = content;
      } else if (!content.startsWith(this.shown)) {
        // Cannot happen while shown-reply-prefix.ts mirrors the tag parser; `done` still corrects it.
        this.turn.logger.warn('stream.shown_text_differs', { shown_chars: this.shown.length });
      }
    }
    this.send('done', reply);
    this.close();
  }

  fail(body: unknown): void {
    this.send('error', body);
    this.close();
  }

  close(): void {
    this.cancelPing?.();
    this.cancelPing = undefined;
    if (this.opened) this.writer.end();
  }

  private flush(): void {
    if (this.judgedHigh) return;
    if (!this.gateOpen) {
      this.gate ??= this.openGate();
      return;
    }
    const next = shownReplyPrefix(this.raw, this.knownLabels);
    if (next.tag !== undefined) this.sendEmotion(next.tag);
    if (next.text.length > this.shown.length && next.text.startsWith(this.shown)) {
      this.send('delta', { text: next.text.slice(this.shown.length) });
      this.shown = next.text;
    }
  }

  private sendEmotion(tag: string): void {
    if (this.emotionSent) return;
    if (!this.knownLabels.includes(tag)) return;
    this.emotionSent = true;
    this.send('emotion', { emotion: tag });
  }

  /**
   * Waits for the crisis judge (when one runs), at most judgeWaitMs: a `high` verdict means the reply is
   * replaced, so none of it may show; anything else, or no answer in time, lets the words through.
   */
  private async openGate(): Promise<void> {
    const judgement = this.turn.crisisJudgement;
    if (judgement !== undefined) {
      let cancel: (() => void) | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        cancel = this.turn.budget.timers.schedule(this.judgeWaitMs, () => resolve(undefined));
      });
      const verdict: CrisisScreen | undefined = await Promise.race([judgement, timeout]);
      cancel?.();
      if (verdict?.level === 'high') this.judgedHigh = true;
      // A verdict after the wait still stops the words at once: what was shown is replaced by `done`,
      // and nothing more of a reply the service knows it must replace reaches a person at risk.
      void judgement.then((late) => {
        if (late?.level === 'high') this.judgedHigh = true;
      });
    }
    this.gateOpen = true;
    this.flush();
  }

  private send(name: string, data: unknown): void {
    if (!this.opened) {
      this.opened = true;
      this.writer.open();
      this.schedulePing();
    }
    if (!this.writer.closed) this.writer.write(formatEvent(name, data));
  }

  private schedulePing(): void {
    this.cancelPing = this.turn.budget.timers.schedule(PING_INTERVAL_MS, () => {
      if (this.writer.closed) return;
      this.writer.write(PING_COMMENT);
      this.schedulePing();
    });
  }
}

import type { TurnBudget } from '../chat/turn-budget.js';
import { AppError } from '../errors/app-error.js';
import type { ChatModel } from '../model/chat-model.js';
import { modelError } from '../model/model-errors.js';
import type { ModelMessage } from '../prompt/build-model-messages.js';
import { estimateMessageTokens } from './estimate-tokens.js';

/** `late`: still running when the turn closed it (kept for a later turn, or abandoned). */
export type SideCallOutcome = 'running' | 'written' | 'failed' | 'rejected' | 'late';

/** What a parser makes of the model's answer: a value, an answer that is not one, or one refused. */
export type SideAnswer<T> = { value: T } | { refused: 'garbage' | 'rejected' };

/**
 * A model call beside the reply call (the rolling summary, the title and memory proposals): never
 * rejects, never holds the turn up, one attempt within `deadlineAt`.
 */
export interface SideCall<T> {
  /** How it went so far, and its value once written (a call kept past close still lands here). */
  readonly state: () => { outcome: SideCallOutcome; value: T | undefined; code?: string };
  /**
   * The turn is ending. A call still running is either kept running (`keep`: a later turn may use what
   * it writes) or aborted. Returns the tokens to count: the provider's figure when it answered; for a
   * call still running, the estimate of what was sent, plus the most it may write when it is kept. The
   * same answer every time it is called.
   */
  close(options: { keep: boolean }): { outcome: SideCallOutcome; value: T | undefined; tokens: number };
  /** Settles once the call answered, failed or was aborted. */
  readonly settled: Promise<void>;
}

export interface SideCallRequest<T> {
  model: ChatModel;
  messages: ModelMessage[];
  maxTokens: number;
  budget: TurnBudget;
  deadlineAt: number;
  parse: (answer: string) => SideAnswer<T>;
}

export function startSideCall<T>(request: SideCallRequest<T>): SideCall<T> {
  const sentTokens = request.messages.reduce(
    (sum, message) => sum + estimateMessageTokens(message.content),
    0,
  );
  const controller = new AbortController();
  const { budget } = request;
  let outcome: SideCallOutcome = 'running';
  let value: T | undefined;
  let code: string | undefined;
  let answeredTokens: number | undefined;
  let closed: ReturnType<SideCall<T>['close']> | undefined;

  const settled = budget
    .within(
      request.model.complete({
        messages: request.messages,
        signal: controller.signal,
        timeoutMs: Math.max(1, Math.floor(request.deadlineAt - budget.now())),
        maxTokens: request.maxTokens,
      }),
      request.deadlineAt,
      () => modelError('LLM_TIMEOUT'),
      () => controller.abort(),
    )
    .then(
      (reply) => {
        if (reply.usage !== undefined)
          answeredTokens = reply.usage.promptTokens + reply.usage.completionTokens;
        const answer = request.parse(reply.text);
        if ('value' in answer) {
          outcome = 'written';
          value = answer.value;
        } else {
          outcome = answer.refused === 'garbage' ? 'failed' : 'rejected';
          if (answer.refused === 'garbage') code = 'LLM_BAD_RESPONSE';
        }
      },
      (error: unknown) => {
        outcome = 'failed';
        code = error instanceof AppError ? error.code : 'LLM_UPSTREAM_ERROR';
      },
    );

  return {
    state: () => ({ outcome, value, ...(code === undefined ? {} : { code }) }),
    close({ keep }) {
      if (closed !== undefined) return closed;
      if (outcome === 'running') {
        if (!keep) controller.abort();
        closed = { outcome: 'late', value: undefined, tokens: sentTokens + (keep ? request.maxTokens : 0) };
      } else {
        closed = { outcome, value, tokens: answeredTokens ?? sentTokens };
      }
      return closed;
    },
    settled,
  };
}

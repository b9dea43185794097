import type { TurnBudget } from '../chat/turn-budget.js';
import { AppError } from '../errors/app-error.js';
import type { ChatModel } from '../model/chat-model.js';
import { modelError } from '../model/model-errors.js';
import type { ModelMessage } from '../prompt/build-model-messages.js';
import type { RollingSummary } from '../storage/session-document.js';
import { oneLine } from './context-sections.js';
import type { ContextTurn } from './context-turns.js';
import { estimateMessageTokens } from './estimate-tokens.js';

/** The summary's answer is short: about 300 characters of JSON. */
export const SUMMARY_MAX_TOKENS = 400;
/** A longer summary is cut to this many characters before it is stored. */
export const SUMMARY_MAX_CHARS = 400;

export type SummaryOutcome = 'running' | 'written' | 'failed' | 'rejected' | 'late';

/** A summary call started beside the reply call; never rejects, never holds the turn up. */
export interface SummaryCall {
  /** How it went so far, and the summary to store once written. */
  readonly state: () => { outcome: SummaryOutcome; summary: RollingSummary | undefined; code?: string };
  /**
   * The turn is committing: a call still running is abandoned (aborted, its summary dropped). Returns
   * the tokens to count: the provider's figure when it answered, else the estimate of what was sent.
   * The same answer every time it is called.
   */
  close(): { outcome: SummaryOutcome; summary: RollingSummary | undefined; tokens: number };
  /** Settles once the call answered, failed or was abandoned (tests wait on it). */
  readonly settled: Promise<void>;
}

export interface SummaryRequest {
  model: ChatModel;
  /** The text of prompt/summary-prompt.txt. */
  prompt: string;
  previous: RollingSummary | undefined;
  /** The turns to cover, oldest first; crisis-template turns are covered but not written about. */
  turns: readonly ContextTurn[];
  budget: TurnBudget;
  deadlineAt: number;
  now: () => string;
  /** True for a text that must not be stored (the crisis screen finds a method or plan in it). */
  mustNotStore: (text: string) => boolean;
}

/** The summary call, or undefined when nothing in the turns may be summarised. */
export function startSummaryCall(request: SummaryRequest): SummaryCall | undefined {
  const last = request.turns.at(-1)?.messages[0];
  const material = summaryMaterial(request.previous, request.turns);
  if (last === undefined || material === undefined) return undefined;
  const messages: ModelMessage[] = [
    { role: 'system', content: request.prompt },
    { role: 'user', content: material },
  ];
  const sentTokens = messages.reduce((sum, message) => sum + estimateMessageTokens(message.content), 0);
  const controller = new AbortController();
  const { budget } = request;
  let outcome: SummaryOutcome = 'running';
  let summary: RollingSummary | undefined;
  let code: string | undefined;
  let tokens = sentTokens;
  let closed: ReturnType<SummaryCall['close']> | undefined;

  const settled = budget
    .within(
      request.model.complete({
        messages,
        signal: controller.signal,
        timeoutMs: Math.max(1, Math.floor(request.deadlineAt - budget.now())),
        maxTokens: SUMMARY_MAX_TOKENS,
      }),
      request.deadlineAt,
      () => modelError('LLM_TIMEOUT'),
      () => controller.abort(),
    )
    .then(
      (reply) => {
        if (closed !== undefined) return;
        if (reply.usage !== undefined) tokens = reply.usage.promptTokens + reply.usage.completionTokens;
        const text = parseSummaryAnswer(reply.text);
        if (text === undefined) {
          outcome = 'failed';
          code = 'LLM_BAD_RESPONSE';
        } else if (request.mustNotStore(text)) {
          outcome = 'rejected';
        } else {
          outcome = 'written';
          summary = { text, through_message_id: last.message_id, updated_at: request.now() };
        }
      },
      (error: unknown) => {
        if (closed !== undefined) return;
        outcome = 'failed';
        code = error instanceof AppError ? error.code : 'LLM_UPSTREAM_ERROR';
      },
    );

  return {
    state: () => ({ outcome, summary, ...(code === undefined ? {} : { code }) }),
    close() {
      if (closed !== undefined) return closed;
      if (outcome === 'running') {
        outcome = 'late';
        controller.abort();
      }
      closed = { outcome, summary, tokens };
      return closed;
    },
    settled,
  };
}

/**
 * What the summariser reads: the previous summary, then the turns in order, the crisis-template turns
 * left out (their words may hold a method, and the fixed reply says nothing about the person).
 */
export function summaryMaterial(
  previous: RollingSummary | undefined,
  turns: readonly ContextTurn[],
): string | undefined {
  const lines = turns
    .filter((turn) => !turn.template)
    .flatMap((turn) =>
      turn.messages.map(
        (message) => `${message.role === 'user' ? '对方' : '你'}：${oneLine(message.content)}`,
      ),
    );
  if (lines.length === 0) return undefined;
  return `之前的摘要：\n${previous?.text ?? '（还没有）'}\n\n要并入摘要的对话（较早的在前）：\n${lines.join('\n')}`;
}

/** The summary in a `{"summary": "..."}` answer (a code fence or words around it are tolerated). */
export function parseSummaryAnswer(answer: string): string | undefined {
  const start = answer.indexOf('{');
  const end = answer.lastIndexOf('}');
  if (start === -1 || end < start) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(answer.slice(start, end + 1));
  } catch {
    return undefined;
  }
  const text = (value as { summary?: unknown } | null)?.summary;
  if (typeof text !== 'string') return undefined;
  const flat = oneLine(text);
  if (flat === '') return undefined;
  return Array.from(flat).slice(0, SUMMARY_MAX_CHARS).join('');
}

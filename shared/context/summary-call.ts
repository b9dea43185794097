import type { TurnBudget } from '../chat/turn-budget.js';
import type { ChatModel } from '../model/chat-model.js';
import type { RollingSummary } from '../storage/session-document.js';
import { oneLine } from './context-sections.js';
import type { ContextTurn } from './context-turns.js';
import { type SideCall, startSideCall } from './side-call.js';

/** The summary's answer is short: about 300 characters of JSON. */
export const SUMMARY_MAX_TOKENS = 400;
/** A longer summary is cut to this many characters before it is stored. */
export const SUMMARY_MAX_CHARS = 400;

/** A summary call started beside the reply call (side-call.ts); never rejects, never holds the turn up. */
export type SummaryCall = SideCall<RollingSummary>;

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
  return startSideCall({
    model: request.model,
    messages: [
      { role: 'system', content: request.prompt },
      { role: 'user', content: material },
    ],
    maxTokens: SUMMARY_MAX_TOKENS,
    budget: request.budget,
    deadlineAt: request.deadlineAt,
    parse: (answer) => {
      const text = parseSummaryAnswer(answer);
      if (text === undefined) return { refused: 'garbage' };
      if (request.mustNotStore(text)) return { refused: 'rejected' };
      return { value: { text, through_message_id: last.message_id, updated_at: request.now() } };
    },
  });
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

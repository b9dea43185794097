import { type ModelMessage, toModelMessage } from '../prompt/build-model-messages.js';
import type { RollingSummary, StoredMessage } from '../storage/session-document.js';
import {
  memoryHeadingTokens,
  memoryItemTokens,
  summarySectionTokens,
  systemMessage,
} from './context-sections.js';
import { type ContextTurn, contextTurnsOf, uncoveredTurns } from './context-turns.js';
import { estimateMessageTokens } from './estimate-tokens.js';

/**
 * Once a summary is due, it also takes the oldest turns still in the window until what stays uncovered
 * is at most this share of the room for turns (and of the messages a read returns), so the next turns
 * need no summary call of their own: a call every few turns rather than one per turn.
 */
const LOW_WATER = 0.6;
/**
 * A turn adds a question and a reply; two more for a concurrent or failed send. A turn that starts this
 * close to the front of a full read leaves the next turn's read unseen, so it is summarised now.
 */
const READ_MARGIN = 4;

export interface ContextParts {
  /** The persona with the label list, and the crisis guidance when the turn needs it. */
  systemPrompt: string;
  /** The user's memory items, most important first. */
  memory: readonly string[];
  summary: RollingSummary | undefined;
  /** The session's messages as read (its latest ones), or a new session's seed. */
  stored: readonly StoredMessage[];
  newMessage: string;
  tokenBudget: number;
  /** The most messages the session read returns (CONTEXT_MAX_MESSAGES). */
  readLimit: number;
}

export interface PackedContext {
  messages: ModelMessage[];
  /** Estimated tokens of `messages`. */
  tokens: number;
  /** Answered turns the summary does not cover that this context leaves out. */
  leftOut: number;
  /** Turns the summary should cover now, oldest first; empty when no summary call is due. */
  toSummarise: ContextTurn[];
}

/**
 * What the model reads, within the budget: the persona and guidance and the new message always; then the
 * memory items that fit, in order; then the summary if it fits whole; then the newest turns the summary
 * does not cover, whole, newest first, while they fit.
 */
export function packContext(parts: ContextParts): PackedContext {
  const fixed = estimateMessageTokens(parts.systemPrompt) + estimateMessageTokens(parts.newMessage);
  let room = parts.tokenBudget - fixed;
  const memory: string[] = [];
  for (const item of parts.memory) {
    const cost = memoryItemTokens(item) + (memory.length === 0 ? memoryHeadingTokens : 0);
    if (cost > room) break;
    memory.push(item);
    room -= cost;
  }
  const summaryCost = parts.summary === undefined ? 0 : summarySectionTokens(parts.summary.text);
  const summary = parts.summary !== undefined && summaryCost <= room ? parts.summary : undefined;
  if (summary !== undefined) room -= summaryCost;
  const turnRoom = Math.max(0, room);

  const uncovered = uncoveredTurns(contextTurnsOf(parts.stored), parts.stored, parts.summary);
  let kept = 0;
  let left = turnRoom;
  for (let index = uncovered.length - 1; index >= 0; index -= 1) {
    const cost = uncovered[index]?.tokens ?? 0;
    if (cost > left) break;
    left -= cost;
    kept += 1;
  }
  const window = uncovered.slice(uncovered.length - kept);
  const messages: ModelMessage[] = [
    { role: 'system', content: systemMessage({ ...parts, memory, summary: summary?.text }) },
    ...window.flatMap((turn) => turn.messages.map(toModelMessage)),
    { role: 'user', content: parts.newMessage },
  ];
  return {
    messages,
    tokens: parts.tokenBudget - room + (turnRoom - left),
    leftOut: uncovered.length - kept,
    toSummarise: turnsToSummarise(uncovered, window, parts, turnRoom),
  };
}

function turnsToSummarise(
  uncovered: readonly ContextTurn[],
  window: readonly ContextTurn[],
  parts: ContextParts,
  turnRoom: number,
): ContextTurn[] {
  const read = parts.stored.length;
  const leavesNextRead = read + READ_MARGIN - parts.readLimit;
  const leftOut = uncovered.length - window.length;
  const dueInWindow = window.filter((turn) => turn.position < leavesNextRead).length;
  if (leftOut === 0 && dueInWindow === 0) return [];
  let stays = window.slice(dueInWindow);
  const tokensOf = (turns: readonly ContextTurn[]) => turns.reduce((sum, turn) => sum + turn.tokens, 0);
  while (
    stays.length > 1 &&
    (tokensOf(stays) > LOW_WATER * turnRoom ||
      read - (stays[0]?.position ?? read) > LOW_WATER * parts.readLimit)
  ) {
    stays = stays.slice(1);
  }
  return uncovered.slice(0, uncovered.length - stays.length);
}

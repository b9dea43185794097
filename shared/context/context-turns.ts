import { answeredConversation, toModelMessage } from '../prompt/build-model-messages.js';
import type { RollingSummary, StoredMessage } from '../storage/session-document.js';
import { estimateMessageTokens } from './estimate-tokens.js';

/** A whole turn as the context holds it: never half of one. */
export interface ContextTurn {
  /** A question and its reply, or a lone message the client's history seeded, in conversation order. */
  messages: StoredMessage[];
  /** Where the turn starts among the stored messages read: the index of its question. */
  position: number;
  /** Estimated tokens of its messages as the model reads them. */
  tokens: number;
  /** A turn the counsellors' fixed crisis reply answered: shown as today, never summarised. */
  template: boolean;
}

/**
 * The answered turns of the messages read, in conversation order (answered-conversation rules: failed,
 * pending and blocked questions are left out, each reply follows its own question).
 */
export function contextTurnsOf(stored: readonly StoredMessage[]): ContextTurn[] {
  const positions = new Map(stored.map((message, index) => [message.message_id, index]));
  const ordered = answeredConversation(stored);
  const turns: ContextTurn[] = [];
  for (let index = 0; index < ordered.length; index += 1) {
    const first = ordered[index];
    if (first === undefined) continue;
    const next = ordered[index + 1];
    const paired = next !== undefined && first.role === 'user' && isAnswerTo(next, first);
    const messages = paired ? [first, next] : [first];
    if (paired) index += 1;
    turns.push({
      messages,
      position: positions.get(first.message_id) ?? 0,
      tokens: messages.reduce(
        (sum, message) => sum + estimateMessageTokens(toModelMessage(message).content),
        0,
      ),
      template: messages.some((message) => message.emotion_source === 'template'),
    });
  }
  return turns;
}

function isAnswerTo(reply: StoredMessage, question: StoredMessage): boolean {
  if (reply.role !== 'agent') return false;
  // A seeded exchange has no reply_to: the seeded answer that follows a seeded question is its answer.
  return reply.reply_to === undefined
    ? reply.seeded === true && question.seeded === true
    : reply.reply_to === question.message_id;
}

/**
 * The turns the summary does not cover yet: those that start after the question it covers through. When
 * that question is not among the messages read (it is older than the read), every turn read is uncovered.
 */
export function uncoveredTurns(
  turns: readonly ContextTurn[],
  stored: readonly StoredMessage[],
  summary: RollingSummary | undefined,
): ContextTurn[] {
  if (summary === undefined) return [...turns];
  const through = stored.findIndex((message) => message.message_id === summary.through_message_id);
  return turns.filter((turn) => turn.position > through);
}

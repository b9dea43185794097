import type { TurnStatus } from './session-document.js';
import { clientKey, presentMessage, type SessionRecord, turnKey } from './session-record.js';
import type { StoredTurn } from './session-store.js';

/** The state of a stored turn: a reply settles it as complete whatever the status field says. */
export function turnStatusOf(turn: StoredTurn): TurnStatus {
  if (turn.reply !== undefined) return 'complete';
  return turn.question.status ?? 'complete';
}

export function findTurnIn(record: SessionRecord, clientMessageId: string): StoredTurn | undefined {
  const messageId = record.client_msg_ids[clientKey(clientMessageId)];
  return messageId === undefined ? undefined : turnOf(record, messageId);
}

export function turnOf(record: SessionRecord, messageId: string): StoredTurn | undefined {
  const question = record.messages.find(
    (message) => message.role === 'user' && message.message_id === messageId,
  );
  if (question === undefined) return undefined;
  const replyId = record.turns[turnKey(messageId)]?.reply_id;
  const reply = record.messages.find(
    (message) =>
      message.role === 'agent' &&
      (replyId === undefined ? message.reply_to === messageId : message.message_id === replyId),
  );
  return { question: presentMessage(question, record), reply };
}

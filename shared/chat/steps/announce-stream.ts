import type { TurnContext } from '../turn-context.js';

/**
 * A stream's first event, `meta`, once the words are stored: from here on the turn answers in the stream
 * (its `done` or `error`); anything refused before this (limits, a blocked message) is a plain JSON error.
 */
export function announceStream(turn: TurnContext): void {
  const { stream, words } = turn;
  if (stream === undefined || words === undefined) return;
  stream.meta({
    session_id: turn.request.sessionId,
    user_message_id: words.question.message_id,
    client_msg_id: words.question.client_msg_id ?? words.question.message_id,
  });
}

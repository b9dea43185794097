import { toChatReply } from '../chat-reply.js';
import type { TurnContext } from '../turn-context.js';
import { beginTurnRecord } from '../turn-record.js';

/**
 * The user's words are stored as `pending` before anything can fail them, so no word is lost whatever
 * happens next; a resend the session already answered gets the stored reply instead.
 */
export async function storeWords(turn: TurnContext): Promise<void> {
  const begun = await beginTurnRecord(turn);
  if (begun.kind === 'replay') {
    turn.result = toChatReply(begun.turn, turn.request.sessionId, turn.settings);
    return;
  }
  turn.words = begun.words;
}

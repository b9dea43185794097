import { toAppError } from '../../errors/app-error.js';
import type { ChatReply } from '../chat-reply.js';
import { chatTurnSteps, runChatTurn } from '../run-chat-turn.js';
import type { TurnContext } from '../turn-context.js';
import type { TurnStream } from './turn-stream.js';

/**
 * The chat turn with its events streamed: the same steps as POST /api/chat. A failure before the stream
 * began (before `meta`: limits, a blocked message, a conflict) is thrown for the caller to answer as
 * ordinary JSON with its status; after it, the failure is the stream's `error` event. Resolves with the
 * turn's reply, or undefined when it failed inside the stream.
 */
export async function streamChatTurn(
  turn: TurnContext,
  stream: TurnStream,
  steps = chatTurnSteps,
): Promise<ChatReply | undefined> {
  turn.stream = stream;
  let reply: ChatReply;
  try {
    reply = await runChatTurn(turn, steps);
  } catch (error) {
    if (!stream.isOpen) throw error;
    stream.fail(toAppError(error).toBody());
    return undefined;
  }
  // The words of this turn's own model reply continue into `done`; a reply not written now (the crisis
  // template, a stored reply replayed, another attempt's) arrives whole in `done`.
  const written = turn.labelled?.content;
  const own = written !== undefined && reply.content.startsWith(written) ? written : undefined;
  await stream.finish(reply, own);
  return reply;
}

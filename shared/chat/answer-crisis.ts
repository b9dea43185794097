import { AppError } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';
import type { StoredMessage } from '../storage/session-document.js';
import type { TurnOutcome } from '../storage/session-store.js';
import { type ChatReply, crisisReply, toChatReply } from './chat-reply.js';
import type { ChatSafety } from './chat-safety.js';
import type { ChatRequest } from './parse-chat-request.js';
import type { StartedTurn } from './start-turn.js';

/**
 * A high crisis risk: the counsellors' fixed reply and every hotline, never the model, and before any
 * limit or session-size check. Storing the turn is tried, but a person in danger gets the reply even when
 * storage fails or the send is a duplicate: the reply is the same text whatever happened.
 */
export async function answerCrisis(
  request: ChatRequest & { userId: string },
  context: {
    safety: ChatSafety;
    aiLabelText?: string | undefined;
    clock: () => Date;
    ids: () => string;
    logger: Logger;
    start: () => Promise<StartedTurn>;
    finish: (question: StoredMessage, outcome: TurnOutcome) => Promise<boolean>;
  },
): Promise<ChatReply> {
  const { safety, clock, ids, logger } = context;
  try {
    const started = await context.start();
    if (started.kind === 'replay') return toChatReply(started.turn, request.sessionId, context);
    const reply = crisisReply(started.question, ids(), clock().toISOString(), safety);
    if (await context.finish(started.question, { status: 'complete', reply })) {
      return toChatReply({ question: started.question, reply }, request.sessionId, context);
    }
  } catch (error) {
    logger.error('safety.crisis_reply_not_stored', {
      code: error instanceof AppError ? error.code : 'INTERNAL',
    });
  }
  const question: StoredMessage = {
    message_id: ids(),
    role: 'user',
    content: request.message,
    timestamp: request.timestamp ?? clock().toISOString(),
    ...(request.clientMsgId === undefined ? {} : { client_msg_id: request.clientMsgId }),
  };
  return toChatReply(
    { question, reply: crisisReply(question, ids(), clock().toISOString(), safety) },
    request.sessionId,
    context,
  );
}

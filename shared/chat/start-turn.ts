import type { Logger } from '../logging/logger.js';
import type { SessionDocument, StoredMessage } from '../storage/session-document.js';
import type { SessionStore, StoredTurn } from '../storage/session-store.js';
import type { ChatRequest } from './parse-chat-request.js';
import { resumeTurn } from './resume-turn.js';

/** A turn left pending this long after its attempt started belongs to a function that has ended. */
const abandonAfterExtraMs = 10_000;

export type StartedTurn =
  | { kind: 'replay'; turn: StoredTurn & { reply: StoredMessage } }
  | { kind: 'new'; question: StoredMessage; seedMessages: StoredMessage[] };

/**
 * Stores the user's message as a pending turn, or finds the turn a resend (same `client_msg_id`) refers
 * to: its stored reply is replayed, or this attempt takes the turn over (see resume-turn.ts).
 */
export async function startTurn(
  request: ChatRequest & { userId: string },
  existing: SessionDocument | undefined,
  context: {
    store: SessionStore;
    clock: () => Date;
    ids: () => string;
    logger: Logger;
    limits: { chatDeadlineMs: number };
    storage: <T>(operation: () => Promise<T>) => Promise<T>;
    now: () => number;
    startedAt: number;
    modelDeadlineAt: number;
  },
): Promise<StartedTurn> {
  const { store, clock, ids, storage } = context;
  const key = { userId: request.userId, sessionId: request.sessionId };
  const receivedAt = clock().toISOString();
  // The client's copy of the history only seeds a session that has nothing stored yet.
  const seedMessages: StoredMessage[] =
    (existing?.message_count ?? 0) > 0
      ? []
      : request.history.map((item) => ({
          message_id: ids(),
          role: item.role,
          content: item.content,
          timestamp: item.timestamp ?? receivedAt,
          seeded: true,
        }));
  const messageId = ids();
  const attemptId = ids();
  const question: StoredMessage = {
    message_id: messageId,
    role: 'user',
    content: request.message,
    timestamp: request.timestamp ?? receivedAt,
    status: 'pending',
    client_msg_id: request.clientMsgId ?? messageId,
    attempt_id: attemptId,
    attempt_at: receivedAt,
    attempts: 1,
  };
  const begun = await storage(() =>
    store.beginTurn({ key, seedMessages, question, now: receivedAt, sessionExisted: existing !== undefined }),
  );
  if (begun.started) return { kind: 'new', question, seedMessages };

  const resumed = await resumeTurn(begun.existing, {
    store,
    key,
    message: request.message,
    attemptId,
    // Read again on every poll: a resend that waits may see the first attempt pass the cutoff.
    abandonedBefore: () => clock().getTime() - context.limits.chatDeadlineMs - abandonAfterExtraMs,
    waitUntil: context.modelDeadlineAt,
    now: context.now,
    timestamp: () => clock().toISOString(),
    storage,
  });
  if (resumed.kind === 'replay') {
    context.logger.info('chat.replayed', { duration_ms: Math.round(context.now() - context.startedAt) });
    return { kind: 'replay', turn: resumed.turn };
  }
  context.logger.info('chat.retried', { attempts: (resumed.question.attempts ?? 1) + 1 });
  return { kind: 'new', question: resumed.question, seedMessages: [] };
}

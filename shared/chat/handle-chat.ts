import type { Config } from '../config/load-config.js';
import { resolveReplyEmotion } from '../emotion/resolve-reply-emotion.js';
import { AppError } from '../errors/app-error.js';
import { describeCause, type Logger } from '../logging/logger.js';
import type { ChatModel } from '../model/chat-model.js';
import { completeWithDeadline } from '../model/complete-with-deadline.js';
import { modelError } from '../model/model-errors.js';
import { buildModelMessages } from '../prompt/build-model-messages.js';
import type { PromptAssets } from '../prompt/load-prompt-assets.js';
import type { StoredMessage } from '../storage/session-document.js';
import type { SessionStore, StoredTurn, TurnOutcome } from '../storage/session-store.js';
import { withStorageRetry } from '../storage/with-storage-retry.js';
import type { ChatRequest } from './parse-chat-request.js';
import { resumeTurn } from './resume-turn.js';

export interface ChatDependencies {
  store: SessionStore;
  model: ChatModel;
  /** A second provider for retryable failures of the first. */
  fallbackModel?: ChatModel | undefined;
  prompt: PromptAssets;
  limits: Config['limits'];
  modelRetry: { maxAttempts: number; maxRetryWaitMs: number };
  clock: () => Date;
  ids: () => string;
  logger: Logger;
}

export interface ChatReply {
  message_id: string;
  content: string;
  emotion: string;
  timestamp: string;
  session_id: string;
  /** The stored user message this reply answers, and the id the client sent with it (or the server's). */
  user_message_id: string;
  client_msg_id: string;
}

/** A turn left pending this long after its attempt started belongs to a function that has ended. */
const abandonAfterExtraMs = 10_000;

/**
 * One chat turn. The user's message is stored first, as `pending`, so no word is lost whatever happens
 * next; then the model is asked within the deadline; then the reply is stored (or the message is marked
 * failed, and a retry of it may complete it). A send the session already holds (same `client_msg_id`)
 * gets the stored reply instead of a second model call.
 */
export async function handleChat(
  request: ChatRequest & { userId: string },
  dependencies: ChatDependencies,
): Promise<ChatReply> {
  const { store, limits, clock, ids, logger } = dependencies;
  // Deadlines run on the process's monotonic timer: the injected clock only dates what is stored (tests
  // step it by hand), and a wall clock may jump.
  const now = () => performance.now();
  const startedAt = now();
  const key = { userId: request.userId, sessionId: request.sessionId };
  const turnDeadlineAt = startedAt + limits.chatDeadlineMs;
  const modelDeadlineAt = turnDeadlineAt - limits.storageReserveMs;
  const storage = <T>(operation: () => Promise<T>, deadlineAt = modelDeadlineAt) =>
    withStorageRetry(operation, {
      deadlineAt,
      now,
      onRetry: (attempt, error) => logger.warn('storage.retry', { attempt, cause: describeCause(error) }),
    });

  const existing = await storage(() => store.getSession(key, { recentMessages: limits.contextMaxMessages }));
  const storedCount = existing?.message_count ?? 0;
  if (storedCount + 2 > limits.maxSessionMessages) {
    throw new AppError('SESSION_FULL', '这个对话已经很长了，开始一个新的对话继续聊吧。(Session is full)', {
      retryable: false,
    });
  }
  const receivedAt = clock().toISOString();
  // The client's copy of the history only seeds a session that has nothing stored yet.
  const seedMessages: StoredMessage[] =
    storedCount > 0
      ? []
      : request.history.map((item) => ({
          message_id: ids(),
          role: item.role,
          content: item.content,
          timestamp: item.timestamp ?? receivedAt,
        }));
  const messageId = ids();
  const attemptId = ids();
  let question: StoredMessage = {
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
  if (!begun.started) {
    const resumed = await resumeTurn(begun.existing, {
      store,
      key,
      message: request.message,
      attemptId,
      abandonedBefore: clock().getTime() - limits.chatDeadlineMs - abandonAfterExtraMs,
      waitUntil: modelDeadlineAt,
      now,
      timestamp: () => clock().toISOString(),
      storage,
    });
    if (resumed.kind === 'replay') {
      logger.info('chat.replayed', { duration_ms: now() - startedAt });
      return toReply(resumed.turn, request.sessionId);
    }
    question = resumed.question;
    logger.info('chat.retried', { attempts: (question.attempts ?? 1) + 1 });
  }

  const finish = async (outcome: TurnOutcome) => {
    const finished = await storage(
      () =>
        store.finishTurn({
          key,
          messageId: question.message_id,
          attemptId: question.attempt_id ?? attemptId,
          outcome,
          now: clock().toISOString(),
        }),
      turnDeadlineAt,
    );
    if (!finished) {
      // Only a newer attempt takes a turn over (this one ran past the deadline); its result stands.
      throw new AppError('IDEMPOTENCY_IN_PROGRESS', '这条消息已在另一次发送中处理，请刷新看看。(Superseded)');
    }
  };

  const modelMessages = buildModelMessages({
    systemPrompt: dependencies.prompt.systemPrompt,
    history: storedCount > 0 ? (existing?.messages ?? []) : seedMessages,
    newMessage: question.content,
    maxHistoryMessages: limits.contextMaxMessages,
  });
  let replyText: string;
  try {
    const reply = await completeWithDeadline(dependencies.model, modelMessages, {
      deadlineAt: modelDeadlineAt,
      maxAttempts: dependencies.modelRetry.maxAttempts,
      maxRetryWaitMs: dependencies.modelRetry.maxRetryWaitMs,
      now,
      fallback: dependencies.fallbackModel,
    });
    replyText = reply.text;
    logger.info('model.reply', {
      provider: dependencies.model.provider,
      fallback: reply.fromFallback,
      duration_ms: now() - startedAt,
      prompt_tokens: reply.usage?.promptTokens,
      completion_tokens: reply.usage?.completionTokens,
    });
  } catch (error) {
    const failure = error instanceof AppError ? error : modelError('LLM_UPSTREAM_ERROR', { cause: error });
    logger.warn('model.failed', { code: failure.code, cause: describeCause(failure) });
    await finish({ status: 'failed', errorCode: failure.code });
    throw failure;
  }

  const { content, emotion, emotionSource } = resolveReplyEmotion(replyText, dependencies.prompt.labelSet);
  if (content === '') {
    const emptyError = modelError('LLM_EMPTY_REPLY', { detail: 'only an emotion tag' });
    await finish({ status: 'failed', errorCode: emptyError.code });
    throw emptyError;
  }
  const reply: StoredMessage = {
    message_id: ids(),
    role: 'agent',
    content,
    timestamp: clock().toISOString(),
    emotion,
    emotion_source: emotionSource,
    reply_to: question.message_id,
  };
  await finish({ status: 'complete', reply });
  logger.info('chat.turn', {
    session_messages: storedCount + seedMessages.length + 2,
    message_chars: request.message.length,
    reply_chars: content.length,
    emotion,
    emotion_source: emotionSource,
    duration_ms: now() - startedAt,
  });
  return toReply({ question, reply }, request.sessionId);
}

function toReply(turn: StoredTurn & { reply: StoredMessage }, sessionId: string): ChatReply {
  return {
    message_id: turn.reply.message_id,
    content: turn.reply.content,
    emotion: turn.reply.emotion ?? 'neutral',
    timestamp: turn.reply.timestamp,
    session_id: sessionId,
    user_message_id: turn.question.message_id,
    client_msg_id: turn.question.client_msg_id ?? turn.question.message_id,
  };
}

import type { Config } from '../config/load-config.js';
import { resolveReplyEmotion } from '../emotion/resolve-reply-emotion.js';
import { AppError } from '../errors/app-error.js';
import { describeCause, type Logger } from '../logging/logger.js';
import type { ChatModel } from '../model/chat-model.js';
import { completeWithDeadline } from '../model/complete-with-deadline.js';
import { modelError } from '../model/model-errors.js';
import { buildModelMessages } from '../prompt/build-model-messages.js';
import type { PromptAssets } from '../prompt/load-prompt-assets.js';
import { withinDeadline } from '../runtime/within-deadline.js';
import type { StoredMessage } from '../storage/session-document.js';
import type { SessionStore } from '../storage/session-store.js';
import type { ChatRequest } from './parse-chat-request.js';

function storageTimeout(): AppError {
  // The write may still land after we stop waiting, so the message does not claim it was lost.
  return new AppError(
    'STORAGE_UNAVAILABLE',
    '保存对话超时了，请稍后刷新看看，再决定是否重发。(Storage did not answer in time)',
  );
}

export interface ChatDependencies {
  store: SessionStore;
  model: ChatModel;
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
}

/**
 * One chat turn: read the session, ask the model within the deadline, store the user's message with the
 * reply (or, when the model fails, the user's message marked failed, so no words are lost), and answer.
 */
export async function handleChat(
  request: ChatRequest & { userId: string },
  dependencies: ChatDependencies,
): Promise<ChatReply> {
  const { store, limits, clock, ids, logger } = dependencies;
  const startedAt = clock().getTime();
  const key = { userId: request.userId, sessionId: request.sessionId };

  const turnDeadlineAt = startedAt + limits.chatDeadlineMs;
  const modelDeadlineAt = turnDeadlineAt - limits.storageReserveMs;
  // Storage calls race the turn's clock too: the SDK's own timeout is an idle-socket timeout, so a
  // database answering slowly, byte by byte, would otherwise carry the turn past the function timeout.
  const existing = await withinDeadline(
    store.getSession(key, { recentMessages: limits.contextMaxMessages }),
    modelDeadlineAt - clock().getTime(),
    storageTimeout,
  );
  const storedCount = existing?.message_count ?? 0;
  const stored = existing?.messages ?? [];
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
  const userMessage: StoredMessage = {
    message_id: ids(),
    role: 'user',
    content: request.message,
    timestamp: request.timestamp ?? receivedAt,
  };

  const modelMessages = buildModelMessages({
    systemPrompt: dependencies.prompt.systemPrompt,
    history: storedCount > 0 ? stored : seedMessages,
    newMessage: request.message,
    maxHistoryMessages: limits.contextMaxMessages,
  });
  const append = (messages: StoredMessage[]) =>
    withinDeadline(
      store.appendTurn({
        key,
        seedMessages,
        messages,
        now: clock().toISOString(),
        sessionExisted: existing !== undefined,
      }),
      turnDeadlineAt - clock().getTime(),
      storageTimeout,
    );

  let replyText: string;
  try {
    const reply = await completeWithDeadline(dependencies.model, modelMessages, {
      deadlineAt: modelDeadlineAt,
      maxAttempts: dependencies.modelRetry.maxAttempts,
      maxRetryWaitMs: dependencies.modelRetry.maxRetryWaitMs,
      now: () => clock().getTime(),
    });
    replyText = reply.text;
    logger.info('model.reply', {
      provider: dependencies.model.provider,
      duration_ms: clock().getTime() - startedAt,
      prompt_tokens: reply.usage?.promptTokens,
      completion_tokens: reply.usage?.completionTokens,
    });
  } catch (error) {
    const failure = error instanceof AppError ? error : modelError('LLM_UPSTREAM_ERROR', { cause: error });
    logger.warn('model.failed', { code: failure.code, cause: describeCause(failure) });
    await append([{ ...userMessage, status: 'failed', error_code: failure.code }]);
    throw failure;
  }

  const { content, emotion, emotionSource } = resolveReplyEmotion(replyText, dependencies.prompt.labelSet);
  if (content === '') {
    const emptyError = modelError('LLM_BAD_RESPONSE', { detail: 'only an emotion tag' });
    await append([{ ...userMessage, status: 'failed', error_code: emptyError.code }]);
    throw emptyError;
  }
  const agentMessage: StoredMessage = {
    message_id: ids(),
    role: 'agent',
    content,
    timestamp: clock().toISOString(),
    emotion,
    emotion_source: emotionSource,
  };
  await append([{ ...userMessage, status: 'complete' }, agentMessage]);
  logger.info('chat.turn', {
    session_messages: storedCount + seedMessages.length + 2,
    message_chars: request.message.length,
    reply_chars: content.length,
    emotion,
    emotion_source: emotionSource,
    duration_ms: clock().getTime() - startedAt,
  });
  return {
    message_id: agentMessage.message_id,
    content,
    emotion,
    timestamp: agentMessage.timestamp,
    session_id: request.sessionId,
  };
}

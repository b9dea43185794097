import type { Config } from '../config/load-config.js';
import { resolveReplyEmotion } from '../emotion/resolve-reply-emotion.js';
import { AppError } from '../errors/app-error.js';
import type { UsageStore } from '../limits/usage-store.js';
import { describeCause, type Logger } from '../logging/logger.js';
import type { ChatModel } from '../model/chat-model.js';
import { completeWithDeadline } from '../model/complete-with-deadline.js';
import { modelError } from '../model/model-errors.js';
import { buildModelMessages } from '../prompt/build-model-messages.js';
import type { PromptAssets } from '../prompt/load-prompt-assets.js';
import { screenCrisisRisk } from '../safety/screen-crisis-risk.js';
import type { StoredMessage } from '../storage/session-document.js';
import type { SessionStore, TurnOutcome } from '../storage/session-store.js';
import { withStorageRetry } from '../storage/with-storage-retry.js';
import { type ChatReply, contentBlocked, crisisReply, toChatReply } from './chat-reply.js';
import type { ChatSafety } from './chat-safety.js';
import { countUsage } from './count-usage.js';
import type { ChatRequest } from './parse-chat-request.js';
import { screenContent } from './screen-content.js';
import { startTurn } from './start-turn.js';

export type { ChatReply } from './chat-reply.js';

export interface ChatDependencies {
  store: SessionStore;
  model: ChatModel;
  /** A second provider for retryable failures of the first. */
  fallbackModel?: ChatModel | undefined;
  prompt: PromptAssets;
  safety: ChatSafety;
  /** Per-user rate limit and daily quota; absent = not counted (unit tests). */
  usage?: { store: UsageStore; limits: Config['usageLimits'] } | undefined;
  limits: Config['limits'];
  modelRetry: { maxAttempts: number; maxRetryWaitMs: number };
  /** Appended to every reply shown, when configured (GB 45438-2025 explicit label). */
  aiLabelText?: string | undefined;
  clock: () => Date;
  ids: () => string;
  logger: Logger;
}

/**
 * One chat turn. Limits are checked before anything is stored; the user's message is then stored as
 * `pending`, so no word is lost whatever happens next. A high crisis risk is answered with the fixed,
 * human-written reply and the hotlines, never the model; otherwise the message passes content security,
 * the model answers within the deadline, the reply passes content security, and is stored.
 */
export async function handleChat(
  request: ChatRequest & { userId: string },
  dependencies: ChatDependencies,
): Promise<ChatReply> {
  const { store, limits, clock, ids, logger, safety } = dependencies;
  // Deadlines run on the monotonic timer: the injected clock only dates what is stored (tests step it by
  // hand), and a wall clock may jump.
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
  // A resend of a message the session already holds is not a new message: it is not counted again, so a
  // flaky network cannot push an honest user over the limit with retries, and a full session still
  // replays what it holds.
  const isResend =
    request.clientMsgId !== undefined &&
    (existing?.messages ?? []).some((message) => message.client_msg_id === request.clientMsgId);
  if (!isResend && (existing?.message_count ?? 0) + 2 > limits.maxSessionMessages) {
    throw new AppError('SESSION_FULL', '这个对话已经很长了，开始一个新的对话继续聊吧。(Session is full)', {
      retryable: false,
    });
  }
  if (dependencies.usage !== undefined && !isResend) {
    await countUsage(dependencies.usage, request.userId, clock(), logger);
  }

  const started = await startTurn(request, existing, {
    ...dependencies,
    storage,
    now,
    startedAt,
    modelDeadlineAt,
  });
  if (started.kind === 'replay') return toChatReply(started.turn, request.sessionId, dependencies);
  const { question, seedMessages } = started;
  const finish = async (outcome: TurnOutcome) => {
    const finished = await storage(
      () =>
        store.finishTurn({
          key,
          messageId: question.message_id,
          attemptId: question.attempt_id ?? '',
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

  const history = (existing?.message_count ?? 0) > 0 ? (existing?.messages ?? []) : seedMessages;
  const earlierWords = history
    .filter((message) => message.role === 'user' && message.message_id !== question.message_id)
    .map((message) => message.content);
  const crisis = screenCrisisRisk(
    { message: question.content, recentUserMessages: earlierWords },
    safety.crisis.rules,
  );
  if (crisis.level !== 'none') {
    logger.warn('safety.flagged', { level: crisis.level, categories: crisis.categories.join(',') });
  }
  if (crisis.level === 'high') {
    // The person gets the counsellors' words and the hotlines at once; the model is not asked.
    const reply = crisisReply(question, ids(), clock().toISOString(), safety);
    await finish({ status: 'complete', reply });
    return toChatReply({ question, reply }, request.sessionId, dependencies);
  }

  // A check that cannot be done (fail-closed) leaves the turn failed, so a resend can take it over at once.
  const screen = (text: string, direction: 'message' | 'reply') =>
    screenContent(text, { openid: request.userId, direction, screening: safety.content, logger }).catch(
      async (error: unknown) => {
        await finish({ status: 'failed', errorCode: error instanceof AppError ? error.code : 'INTERNAL' });
        throw error;
      },
    );
  const checked = await screen(question.content, 'message');
  if (checked.outcome === 'blocked') {
    await finish({ status: 'blocked', errorCode: 'CONTENT_BLOCKED' });
    throw contentBlocked('message');
  }

  const systemPrompt =
    crisis.level === 'medium'
      ? `${dependencies.prompt.systemPrompt}\n\n${safety.crisis.guidance}`
      : dependencies.prompt.systemPrompt;
  const modelMessages = buildModelMessages({
    systemPrompt,
    history,
    newMessage: question.content,
    maxHistoryMessages: limits.contextMaxMessages,
  });
  let replyText: string;
  let usedTokens = 0;
  try {
    const completed = await completeWithDeadline(dependencies.model, modelMessages, {
      deadlineAt: modelDeadlineAt,
      maxAttempts: dependencies.modelRetry.maxAttempts,
      maxRetryWaitMs: dependencies.modelRetry.maxRetryWaitMs,
      now,
      fallback: dependencies.fallbackModel,
    });
    replyText = completed.text;
    usedTokens = (completed.usage?.promptTokens ?? 0) + (completed.usage?.completionTokens ?? 0);
    logger.info('model.reply', {
      provider: dependencies.model.provider,
      fallback: completed.fromFallback,
      duration_ms: Math.round(now() - startedAt),
      prompt_tokens: completed.usage?.promptTokens,
      completion_tokens: completed.usage?.completionTokens,
    });
  } catch (error) {
    const failure = error instanceof AppError ? error : modelError('LLM_UPSTREAM_ERROR', { cause: error });
    logger.warn('model.failed', { code: failure.code, cause: describeCause(failure) });
    await finish({ status: 'failed', errorCode: failure.code });
    throw failure;
  }
  if (dependencies.usage !== undefined && usedTokens > 0) {
    const usage = dependencies.usage;
    await usage.store
      .recordTokens(request.userId, clock(), usedTokens)
      .catch((error: unknown) => logger.warn('usage.tokens_not_recorded', { cause: describeCause(error) }));
  }

  const { content, emotion, emotionSource, modelEmotion } = resolveReplyEmotion(
    replyText,
    dependencies.prompt.labelSet,
  );
  if (modelEmotion !== undefined) logger.info('emotion.overridden', { model_emotion: modelEmotion, emotion });
  if (content === '') {
    const emptyError = modelError('LLM_EMPTY_REPLY', { detail: 'only an emotion tag' });
    await finish({ status: 'failed', errorCode: emptyError.code });
    throw emptyError;
  }
  const replyCheck = await screen(content, 'reply');
  if (replyCheck.outcome === 'blocked') {
    // The user's words were fine: the turn stays open to a retry, which asks the model again.
    await finish({ status: 'failed', errorCode: 'CONTENT_BLOCKED' });
    throw contentBlocked('reply');
  }
  const reply: StoredMessage = {
    message_id: ids(),
    role: 'agent',
    content,
    timestamp: clock().toISOString(),
    emotion,
    emotion_source: emotionSource,
    ...(modelEmotion === undefined ? {} : { model_emotion: modelEmotion }),
    reply_to: question.message_id,
    ...(crisis.level === 'medium' ? { safety_level: 'medium' as const } : {}),
    ...(checked.outcome === 'review' || replyCheck.outcome === 'review'
      ? { content_review: true as const }
      : {}),
  };
  await finish({ status: 'complete', reply });
  logger.info('chat.turn', {
    session_messages: (existing?.message_count ?? 0) + seedMessages.length + 2,
    message_chars: request.message.length,
    reply_chars: content.length,
    emotion,
    emotion_source: emotionSource,
    duration_ms: Math.round(now() - startedAt),
  });
  return toChatReply({ question, reply }, request.sessionId, dependencies);
}

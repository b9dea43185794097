import { resolveReplyEmotion } from '../emotion/resolve-reply-emotion.js';
import { AppError } from '../errors/app-error.js';
import { describeCause, type Logger } from '../logging/logger.js';
import type { ChatModel } from '../model/chat-model.js';
import { completeWithDeadline } from '../model/complete-with-deadline.js';
import { modelError } from '../model/model-errors.js';
import { buildModelMessages } from '../prompt/build-model-messages.js';
import type { PromptAssets } from '../prompt/load-prompt-assets.js';
import type { CrisisLevel } from '../safety/screen-crisis-risk.js';
import type { StoredMessage } from '../storage/session-document.js';
import type { SessionStore, TurnOutcome } from '../storage/session-store.js';
import { type ChatReply, contentBlocked, toChatReply } from './chat-reply.js';
import type { ChatSafety } from './chat-safety.js';
import type { ChatRequest } from './parse-chat-request.js';
import { screenContent } from './screen-content.js';
import type { StartedTurn } from './start-turn.js';

export interface ModelTurnContext {
  store: SessionStore;
  model: ChatModel;
  fallbackModel?: ChatModel | undefined;
  prompt: PromptAssets;
  safety: ChatSafety;
  limits: { contextMaxMessages: number };
  modelRetry: { maxAttempts: number; maxRetryWaitMs: number };
  aiLabelText?: string | undefined;
  clock: () => Date;
  ids: () => string;
  logger: Logger;
  crisisLevel: CrisisLevel;
  /** What the model sees before the new message: the stored recent messages, or the client's seed. */
  history: readonly StoredMessage[];
  existingCount: number;
  now: () => number;
  startedAt: number;
  modelDeadlineAt: number;
  turnDeadlineAt: number;
  storage: <T>(operation: () => Promise<T>) => Promise<T>;
  finish: (question: StoredMessage, outcome: TurnOutcome) => Promise<boolean>;
  recordTokens: (tokens: number) => Promise<void>;
}

/**
 * The rest of an ordinary turn once the words are stored: content security on the message, the model
 * (with the crisis guidance for a medium risk), content security on the reply, and the reply stored.
 */
export async function answerWithModel(
  request: ChatRequest & { userId: string },
  started: StartedTurn,
  context: ModelTurnContext,
): Promise<ChatReply> {
  const { logger, now, safety, clock } = context;
  if (started.kind === 'replay') return toChatReply(started.turn, request.sessionId, context);
  const { question } = started;
  const finish = async (outcome: TurnOutcome) => {
    if (await context.finish(question, outcome)) return;
    // Only a newer attempt takes a turn over; if it has answered, that answer is this send's too.
    const settled = await context.storage(() =>
      context.store.findTurn(
        { userId: request.userId, sessionId: request.sessionId },
        question.client_msg_id ?? '',
      ),
    );
    if (settled?.reply !== undefined)
      throw new ReplayInstead({ question: settled.question, reply: settled.reply });
    throw new AppError('IDEMPOTENCY_IN_PROGRESS', '这条消息已在另一次发送中处理，请刷新看看。(Superseded)');
  };
  // A check that cannot be done (fail-closed) leaves the turn failed, so a resend can take it over at
  // once; a slow one is cut at the time the turn has left for it.
  const screen = (text: string, direction: 'message' | 'reply', deadlineAt: number) =>
    screenContent(text, {
      openid: request.userId,
      direction,
      screening: safety.content,
      logger,
      signal: AbortSignal.timeout(Math.max(1, Math.floor(deadlineAt - now()))),
    }).catch(async (error: unknown) => {
      await finish({ status: 'failed', errorCode: error instanceof AppError ? error.code : 'INTERNAL' });
      throw error;
    });

  try {
    const checked = await screen(question.content, 'message', context.modelDeadlineAt);
    if (checked.outcome === 'blocked') {
      await finish({ status: 'blocked', errorCode: 'CONTENT_BLOCKED' });
      throw contentBlocked('message');
    }
    const systemPrompt =
      context.crisisLevel === 'medium'
        ? `${context.prompt.systemPrompt}\n\n${safety.crisis.guidance}`
        : context.prompt.systemPrompt;
    const modelMessages = buildModelMessages({
      systemPrompt,
      history: context.history,
      newMessage: question.content,
      maxHistoryMessages: context.limits.contextMaxMessages,
    });
    let replyText: string;
    let usedTokens = 0;
    try {
      const completed = await completeWithDeadline(context.model, modelMessages, {
        deadlineAt: context.modelDeadlineAt,
        maxAttempts: context.modelRetry.maxAttempts,
        maxRetryWaitMs: context.modelRetry.maxRetryWaitMs,
        now,
        fallback: context.fallbackModel,
      });
      replyText = completed.text;
      usedTokens = (completed.usage?.promptTokens ?? 0) + (completed.usage?.completionTokens ?? 0);
      logger.info('model.reply', {
        provider: context.model.provider,
        fallback: completed.fromFallback,
        duration_ms: Math.round(now() - context.startedAt),
        prompt_tokens: completed.usage?.promptTokens,
        completion_tokens: completed.usage?.completionTokens,
      });
    } catch (error) {
      const failure = error instanceof AppError ? error : modelError('LLM_UPSTREAM_ERROR', { cause: error });
      logger.warn('model.failed', { code: failure.code, cause: describeCause(failure) });
      await finish({ status: 'failed', errorCode: failure.code });
      throw failure;
    }

    const { content, emotion, emotionSource, modelEmotion } = resolveReplyEmotion(
      replyText,
      context.prompt.labelSet,
    );
    if (modelEmotion !== undefined)
      logger.info('emotion.overridden', { model_emotion: modelEmotion, emotion });
    if (content === '') {
      const emptyError = modelError('LLM_EMPTY_REPLY', { detail: 'only an emotion tag' });
      await finish({ status: 'failed', errorCode: emptyError.code });
      throw emptyError;
    }
    // The reply's check leaves the final write its share of the reserve.
    const replyCheck = await screen(
      content,
      'reply',
      context.turnDeadlineAt - (context.turnDeadlineAt - context.modelDeadlineAt) / 2,
    );
    if (replyCheck.outcome === 'blocked') {
      // The user's words were fine: the turn stays open to a retry, which asks the model again.
      await finish({ status: 'failed', errorCode: 'CONTENT_BLOCKED' });
      throw contentBlocked('reply');
    }
    const reply: StoredMessage = {
      message_id: context.ids(),
      role: 'agent',
      content,
      timestamp: clock().toISOString(),
      emotion,
      emotion_source: emotionSource,
      ...(modelEmotion === undefined ? {} : { model_emotion: modelEmotion }),
      reply_to: question.message_id,
      ...(context.crisisLevel === 'medium' ? { safety_level: 'medium' as const } : {}),
      ...(checked.outcome === 'review' || replyCheck.outcome === 'review'
        ? { content_review: true as const }
        : {}),
    };
    await finish({ status: 'complete', reply });
    // Counted after the reply is stored, so a slow counter never costs the user the answer.
    await context.recordTokens(usedTokens);
    logger.info('chat.turn', {
      session_messages: context.existingCount + started.seedMessages.length + 2,
      message_chars: request.message.length,
      reply_chars: content.length,
      emotion,
      emotion_source: emotionSource,
      duration_ms: Math.round(now() - context.startedAt),
    });
    return toChatReply({ question, reply }, request.sessionId, context);
  } catch (error) {
    if (error instanceof ReplayInstead) return toChatReply(error.turn, request.sessionId, context);
    throw error;
  }
}

/** The turn was answered by a newer attempt: its stored reply goes back to this send. */
class ReplayInstead extends Error {
  constructor(readonly turn: { question: StoredMessage; reply: StoredMessage }) {
    super('answered by another attempt');
  }
}

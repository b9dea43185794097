import type { Config } from '../config/load-config.js';
import { AppError } from '../errors/app-error.js';
import type { UsageStore } from '../limits/usage-store.js';
import { describeCause, type Logger } from '../logging/logger.js';
import type { ChatModel } from '../model/chat-model.js';
import type { PromptAssets } from '../prompt/load-prompt-assets.js';
import { withinDeadline } from '../runtime/within-deadline.js';
import type { ContentCheck } from '../safety/content-check.js';
import { screenCrisisRisk } from '../safety/screen-crisis-risk.js';
import type { StoredMessage } from '../storage/session-document.js';
import type { SessionStore, TurnOutcome } from '../storage/session-store.js';
import { withStorageRetry } from '../storage/with-storage-retry.js';
import { answerCrisis } from './answer-crisis.js';
import { answerWithModel } from './answer-with-model.js';
import type { ChatReply } from './chat-reply.js';
import type { ChatSafety } from './chat-safety.js';
import { countUsage } from './count-usage.js';
import type { ChatRequest } from './parse-chat-request.js';
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
 * The client's history seeds a new session and goes to the model, so it gets the local word list (one
 * WeChat call per item would be up to 50): a refused item refuses the request, and nothing is stored.
 */
async function screenSeededHistory(request: ChatRequest & { userId: string }, wordList: ContentCheck) {
  for (const [index, item] of request.history.entries()) {
    const result = await wordList.check({ openid: request.userId, content: item.content, scene: 2 });
    if (result.verdict === 'risky') {
      throw new AppError(
        'CONTENT_BLOCKED',
        '历史记录里有没法保存的内容，请删掉后再试。(A history item did not pass the content check)',
        { field: `history.${index}.content`, retryable: false },
      );
    }
  }
}

/** The longest the usage counters may hold a turn up; past it the turn goes on uncounted. */
const USAGE_WAIT_MS = 1_000;

/**
 * One chat turn. A high crisis risk is answered first, with the fixed, human-written reply and the
 * hotlines, whatever the limits, the session's size or the storage do. Otherwise: limits (nothing stored
 * when over), the user's message stored as `pending` (so no word is lost whatever happens next), content
 * security, the model within the deadline, content security on the reply, and the reply stored. A send
 * the session already holds (same `client_msg_id`) gets the stored reply instead of a second model call.
 */
export async function handleChat(
  request: ChatRequest & { userId: string },
  dependencies: ChatDependencies,
): Promise<ChatReply> {
  const { store, limits, clock, logger, safety } = dependencies;
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
  const finish = (question: StoredMessage, outcome: TurnOutcome) =>
    storage(
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
  const flag = (level: string, categories: readonly string[]) =>
    logger.warn('safety.flagged', { level, categories: categories.join(',') });
  const crisisContext = (existing: Parameters<typeof startTurn>[1]) => ({
    ...dependencies,
    start: () => startTurn(request, existing, { ...dependencies, storage, now, startedAt, modelDeadlineAt }),
    finish,
  });

  // The message alone first: it needs nothing stored, so no storage failure can delay the hotlines.
  const alone = screenCrisisRisk({ message: request.message, recentUserMessages: [] }, safety.crisis);
  if (alone.level === 'high') {
    flag(alone.level, alone.categories);
    return answerCrisis(request, crisisContext(undefined));
  }
  const existing = await storage(() => store.getSession(key, { recentMessages: limits.contextMaxMessages }));
  const recent = existing?.messages ?? [];
  const crisis = screenCrisisRisk(
    {
      message: request.message,
      recentUserMessages: recent
        .filter((message) => message.role === 'user')
        .map((message) => message.content),
    },
    safety.crisis,
  );
  if (crisis.level !== 'none') flag(crisis.level, crisis.categories);
  if (crisis.level === 'high') return answerCrisis(request, crisisContext(existing));

  try {
    // A resend of a message the session already holds is not a new message: it is not counted again, so
    // a flaky network cannot push an honest user over the limit, and a full session still replays it.
    const isResend =
      request.clientMsgId !== undefined &&
      recent.some((message) => message.client_msg_id === request.clientMsgId);
    if (!isResend && (existing?.message_count ?? 0) + 2 > limits.maxSessionMessages) {
      throw new AppError('SESSION_FULL', '这个对话已经很长了，开始一个新的对话继续聊吧。(Session is full)', {
        retryable: false,
      });
    }
    if (dependencies.usage !== undefined && !isResend) {
      // Bookkeeping gets a small share of the time, never the model's.
      const waitMs = Math.min(USAGE_WAIT_MS, (modelDeadlineAt - now()) / 4);
      await countUsage(dependencies.usage, request.userId, clock(), logger, waitMs);
    }
    if ((existing?.message_count ?? 0) === 0 && request.history.length > 0) {
      await screenSeededHistory(request, safety.content.wordList);
    }
    const started = await startTurn(request, existing, {
      ...dependencies,
      storage,
      now,
      startedAt,
      modelDeadlineAt,
    });
    return await answerWithModel(request, started, {
      ...dependencies,
      crisisLevel: crisis.level,
      history:
        (existing?.message_count ?? 0) > 0 ? recent : started.kind === 'new' ? started.seedMessages : [],
      existingCount: existing?.message_count ?? 0,
      now,
      startedAt,
      modelDeadlineAt,
      turnDeadlineAt,
      storage,
      finish,
      recordTokens: (tokens) =>
        dependencies.usage === undefined || tokens <= 0
          ? Promise.resolve()
          : withinDeadline(
              dependencies.usage.store.recordTokens(request.userId, clock(), tokens),
              Math.min(1_000, turnDeadlineAt - now()),
              () => new AppError('STORAGE_UNAVAILABLE', 'usage write timed out'),
            ).catch((error: unknown) =>
              logger.warn('usage.tokens_not_recorded', { cause: describeCause(error) }),
            ),
    });
  } catch (error) {
    // A person whose words showed a risk gets the hotlines with any error, so a failed turn never
    // leaves them with nothing.
    if (crisis.level === 'medium' && error instanceof AppError) {
      error.safety = { level: 'medium', resources: safety.crisis.resources };
    }
    throw error;
  }
}

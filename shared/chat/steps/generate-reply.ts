import { AppError } from '../../errors/app-error.js';
import { describeCause } from '../../logging/logger.js';
import { completeWithDeadline } from '../../model/complete-with-deadline.js';
import { modelError } from '../../model/model-errors.js';
import type { TurnContext } from '../turn-context.js';

/** The model, within its deadline, with retries and failover (complete-with-deadline.ts), if the limits allow. */
export async function generateReply(turn: TurnContext): Promise<void> {
  const { ports, settings, budget, logger } = turn;
  // Every model call counts: a resend that took over a dead turn over the limit is refused here, even
  // though a replay or a wait of the same resend would not have been.
  if (turn.usage.kind === 'refused') throw turn.usage.error;
  turn.modelCalls += 1;
  try {
    const completed = await completeWithDeadline(ports.model, turn.modelMessages, {
      deadlineAt: budget.modelDeadlineAt,
      maxAttempts: settings.modelRetry.maxAttempts,
      maxRetryWaitMs: settings.modelRetry.maxRetryWaitMs,
      timers: budget.timers,
      fallback: ports.fallbackModel,
      // A stream shows the words as they come; once one is shown, no other attempt may replace them.
      onText: turn.stream?.onText,
      mayRetry: turn.stream?.mayRetry,
    });
    turn.completion = completed;
    logger.info('model.reply', {
      provider: ports.model.provider,
      fallback: completed.fromFallback,
      duration_ms: budget.elapsedMs(),
      prompt_tokens: completed.usage?.promptTokens,
      completion_tokens: completed.usage?.completionTokens,
    });
  } catch (error) {
    const failure = error instanceof AppError ? error : modelError('LLM_UPSTREAM_ERROR', { cause: error });
    logger.warn('model.failed', { code: failure.code, cause: describeCause(failure) });
    throw failure;
  }
}

import { AppError } from '../../errors/app-error.js';
import type { ChatModel } from '../../model/chat-model.js';
import { askCrisisJudge } from '../../safety/crisis-judge.js';
import type { CrisisScreen } from '../../safety/screen-crisis-risk.js';
import type { TurnContext } from '../turn-context.js';

/**
 * Layer 4: the model as judge, asked about the message beside the reply call (this step only starts it;
 * generate-reply runs at once after it). Its verdict is a promise that never rejects: a judge that
 * fails, stalls or answers garbage resolves to undefined and the other layers stand (fail open). Its
 * deadline is its own, never past the model's, on the turn's timers. Logs carry codes, never words.
 */
export function startCrisisJudge(turn: TurnContext): void {
  const { judge } = turn.settings.crisisCare;
  // A high risk was answered by the screen already; a refused send asks no model at all.
  if (!judge.enabled || turn.crisis.level === 'high' || turn.usage.kind === 'refused') return;
  const { budget, logger } = turn;
  const startedAt = budget.now();
  const deadlineAt = Math.min(startedAt + judge.timeoutMs, budget.modelDeadlineAt);
  const durationMs = () => Math.round(budget.now() - startedAt);
  const ask = (model: ChatModel, judgeModel: string | undefined) =>
    askCrisisJudge(model, turn.request.message, {
      prompt: turn.settings.safety.crisis.judgePrompt,
      model: judgeModel,
      timers: budget.timers,
      deadlineAt,
    });
  const fallback = turn.ports.fallbackModel;
  turn.crisisJudgement = ask(turn.ports.model, judge.model)
    .catch((error: unknown) => {
      // The reply fails over to the second provider on such an error; the judge goes with it, so a
      // safety layer does not vanish exactly when the primary is degraded. A timeout has used its time.
      if (fallback === undefined || !(error instanceof AppError) || !error.retryable) throw error;
      if (error.code === 'LLM_TIMEOUT') throw error;
      logger.warn('crisis_judge.failover', { code: error.code, duration_ms: durationMs() });
      // CRISIS_JUDGE_MODEL names a model of the primary provider: the fallback uses its own.
      return ask(fallback, undefined);
    })
    .then(
      (answer): CrisisScreen | undefined => {
        turn.judgeUsage = answer.usage;
        if (answer.screen === undefined) {
          logger.warn('crisis_judge.unreadable', { duration_ms: durationMs() });
          return undefined;
        }
        logger.info('crisis_judge.answered', {
          level: answer.screen.level,
          categories: answer.screen.categories.join(','),
          duration_ms: durationMs(),
          prompt_tokens: answer.usage?.promptTokens,
          completion_tokens: answer.usage?.completionTokens,
        });
        return answer.screen;
      },
      (error: unknown) => {
        logger.warn('crisis_judge.failed', {
          code: error instanceof AppError ? error.code : 'INTERNAL',
          duration_ms: durationMs(),
        });
        return undefined;
      },
    );
}

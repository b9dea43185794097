import { startSummaryCall } from '../../context/summary-call.js';
import { screenCrisisRisk } from '../../safety/screen-crisis-risk.js';
import type { TurnContext } from '../turn-context.js';

/** Crisis categories whose words in a summary mean it holds a method or a plan: it is not stored. */
const METHOD_CATEGORIES: readonly string[] = ['suicide_plan', 'self_harm'];

/**
 * When turns fall out of the window, the model summarises them beside the reply call: started here and
 * not awaited, so the turn waits no longer for it. The commit stores the summary if it is ready by then
 * (commit-reply.ts); a failure, a timeout or an answer that is not a summary leaves the previous one.
 */
export function startSummary(turn: TurnContext): void {
  const due = turn.context?.toSummarise ?? [];
  // A turn over its limits makes no model call at all; the offline demo responder cannot summarise.
  if (due.length === 0 || turn.usage.kind === 'refused' || turn.ports.model.provider === 'offline') return;
  const { budget, settings } = turn;
  turn.summaryCall = startSummaryCall({
    model: turn.ports.model,
    prompt: settings.context.summaryPrompt,
    previous: turn.session?.rolling_summary,
    turns: due,
    budget,
    deadlineAt: budget.modelDeadlineAt,
    now: () => turn.clock().toISOString(),
    mustNotStore: (text) =>
      screenCrisisRisk({ message: text, recentUserMessages: [] }, settings.safety.crisis).categories.some(
        (category) => METHOD_CATEGORIES.includes(category),
      ),
  });
}

import { namesSelfHarmMethod } from '../../context/self-harm-methods.js';
import { startSummaryCall } from '../../context/summary-call.js';
import { screenCrisisRisk } from '../../safety/screen-crisis-risk.js';
import type { TurnContext } from '../turn-context.js';
import { asSelf } from './start-side-calls.js';

/**
 * A summary speaks of the person in the third person, which the crisis rules read as someone else's
 * risk; read as if in the first person, a plan or a high risk in it, or any word naming a means or method
 * (self-harm-methods.ts), keeps it from being stored. The general words the summary prompt asks for
 * ("有过轻生或自伤的念头") stay: that the person struggled is what the next turns must know.
 */
function holdsMethod(text: string, crisis: TurnContext['settings']['safety']['crisis']): boolean {
  if (namesSelfHarmMethod(text)) return true;
  const screen = screenCrisisRisk(asSelf(text), crisis);
  return screen.level === 'high' || screen.categories.includes('suicide_plan');
}

/**
 * When turns fall out of the window, the model summarises them beside the reply call: started here and
 * not awaited, so the turn waits no longer for it. The commit stores the summary if it is ready by then
 * (commit-reply.ts); a failure, a timeout or an answer that is not a summary leaves the previous one.
 */
export function startSummary(turn: TurnContext): void {
  // Started already, early, for a stored session (start-side-calls.ts).
  if (turn.summaryCall !== undefined) return;
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
    mustNotStore: (text) => holdsMethod(text, settings.safety.crisis),
  });
}

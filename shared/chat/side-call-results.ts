import type { Proposals } from '../context/proposal-call.js';
import { describeCause } from '../logging/logger.js';
import type { RollingSummary } from '../storage/session-document.js';
import type { TurnContext } from './turn-context.js';

export interface ClosedSideCalls {
  summary: RollingSummary | undefined;
  proposals: Proposals | undefined;
  /** Tokens of both calls to count with the turn's. */
  tokens: number;
}

const closedTurns = new WeakMap<TurnContext, ClosedSideCalls>();

/**
 * The turn is ending (its commit, or a failure): its side calls' results, counted and logged once.
 * What the turn does not store (a call still running, or any result of a turn that failed) is kept by
 * the warm instance for the session's next turn (late-side-calls.ts); without that store a running
 * call is aborted.
 */
export function closeSideCalls(turn: TurnContext, options: { committing: boolean }): ClosedSideCalls {
  const already = closedTurns.get(turn);
  if (already !== undefined) return already;
  const late = turn.ports.lateSideCalls;
  const keep = late !== undefined;
  const summary = turn.summaryCall?.close({ keep });
  const proposals = turn.proposalCall?.close({ keep });
  if (summary !== undefined) logOutcome(turn, 'summary', summary.outcome, turn.summaryCall?.state().code);
  if (proposals !== undefined)
    logOutcome(turn, 'proposals', proposals.outcome, turn.proposalCall?.state().code);
  const stored = options.committing;
  const leftOver = (outcome: string | undefined) => outcome === 'late' || (!stored && outcome === 'written');
  if (
    late !== undefined &&
    turn.session !== undefined &&
    (leftOver(summary?.outcome) || leftOver(proposals?.outcome))
  ) {
    late.keep(turn.key, {
      sessionCreatedAt: turn.session.created_at,
      summaryBase: turn.session.rolling_summary?.through_message_id,
      summary: leftOver(summary?.outcome) ? turn.summaryCall : undefined,
      proposals: leftOver(proposals?.outcome) ? turn.proposalCall : undefined,
      keptAt: turn.budget.now(),
    });
  }
  const closed: ClosedSideCalls = {
    summary: summary?.outcome === 'written' ? summary.value : undefined,
    proposals: proposals?.outcome === 'written' ? proposals.value : undefined,
    tokens: (summary?.tokens ?? 0) + (proposals?.tokens ?? 0),
  };
  closedTurns.set(turn, closed);
  return closed;
}

function logOutcome(turn: TurnContext, call: 'summary' | 'proposals', outcome: string, code?: string) {
  const fields = { outcome, ...(code === undefined ? {} : { code }) };
  if (outcome === 'written') turn.logger.info(`${call}.done`, fields);
  else turn.logger.warn(`${call}.not_stored`, fields);
}

/**
 * Right after the session is read: what this session's side calls wrote after their turn ended, if this
 * instance kept it. A late summary is used (in this turn's context and its commit) only when it extends
 * the summary the session still holds; late proposals are stored beside this turn's commit.
 */
export function foldLateSideCalls(turn: TurnContext): void {
  const session = turn.session;
  const late = turn.ports.lateSideCalls?.take(turn.key, session?.created_at, turn.budget.now());
  if (late === undefined || session === undefined) return;
  const summary = late.summary?.state();
  if (
    summary?.outcome === 'written' &&
    summary.value !== undefined &&
    late.summaryBase === session.rolling_summary?.through_message_id
  ) {
    turn.session = { ...session, rolling_summary: summary.value };
    turn.sessionChanges = { ...turn.sessionChanges, rolling_summary: summary.value };
    turn.logger.info('summary.late_used', {});
  }
  const proposals = late.proposals?.state();
  if (proposals?.outcome === 'written' && proposals.value !== undefined) {
    turn.lateProposals = proposals.value;
    turn.logger.info('proposals.late_used', {});
  }
}

/**
 * The title and memory proposals, written beside the commit write (never after it): a title only while
 * the session has none of the model's or the user's (the store also refuses to replace the user's),
 * memory items only while the user's memory is on as read this turn (the store checks again). A
 * failure is logged, without the texts, and never fails the turn.
 */
export async function storeProposals(turn: TurnContext, current: Proposals | undefined): Promise<void> {
  const title = current?.title ?? turn.lateProposals?.title;
  const items = [...(current?.memory ?? []), ...(turn.lateProposals?.memory ?? [])];
  const source = turn.session?.title_source;
  const writes: Promise<void>[] = [];
  const { budget } = turn;
  const bounded = <T>(work: Promise<T>) =>
    budget.within(work, budget.turnDeadlineAt, () => new Error('side write did not answer in time'));
  if (title !== undefined && turn.session !== undefined && source !== 'model' && source !== 'user') {
    writes.push(
      bounded(turn.ports.store.setSessionTitle(turn.key, title, 'model')).then(
        (stored) => turn.logger.info('title.proposed', { stored }),
        (error: unknown) => turn.logger.warn('title.not_stored', { cause: describeCause(error) }),
      ),
    );
  }
  const memory = turn.ports.memory;
  const document = turn.memoryDocument;
  if (memory !== undefined && document?.enabled === true && items.length > 0) {
    writes.push(
      bounded(
        memory.store.applyProposals(
          turn.request.userId,
          items,
          turn.request.sessionId,
          turn.clock().toISOString(),
          document,
        ),
      ).then(
        (outcome) => turn.logger.info('memory.proposals', { ...outcome }),
        (error: unknown) => turn.logger.warn('memory.not_stored', { cause: describeCause(error) }),
      ),
    );
  }
  await Promise.all(writes);
}

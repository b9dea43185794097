import type { Proposals } from '../context/proposal-call.js';
import { describeCause } from '../logging/logger.js';
import type { MemoryDocument } from '../memory/memory-document.js';
import type { RollingSummary } from '../storage/session-document.js';
import type { LateSideCalls } from './late-side-calls.js';
import type { TurnContext } from './turn-context.js';

export interface ClosedSideCalls {
  summary: RollingSummary | undefined;
  proposals: Proposals | undefined;
  /** Tokens of both calls to count with the turn's. */
  tokens: number;
}

interface Closed extends ClosedSideCalls {
  /** What the turn could not store if its write failed: kept for the session's next turn. */
  leftOver: (stored: boolean) => LateSideCalls | undefined;
}

const closedTurns = new WeakMap<TurnContext, Closed>();
const heldTurns = new WeakSet<TurnContext>();
/** Turns whose proposals were written beside their commit: never kept for another write. */
const proposalsWritten = new WeakSet<TurnContext>();

/**
 * The turn is ending (its commit, or a failure, or a replay): its side calls' results, counted and
 * logged once. A call still running keeps running only when the warm instance can keep what it writes
 * for the session's next turn (late-side-calls.ts), so only for a session that was there when read (a
 * new session's created_at is not known here); otherwise it is aborted and what was sent is counted.
 */
export function closeSideCalls(turn: TurnContext): ClosedSideCalls {
  const already = closedTurns.get(turn);
  if (already !== undefined) return already;
  const session = turn.session;
  const keep = turn.ports.lateSideCalls !== undefined && session !== undefined;
  const summary = turn.summaryCall?.close({ keep });
  const proposals = turn.proposalCall?.close({ keep });
  if (summary !== undefined) logOutcome(turn, 'summary', summary.outcome, turn.summaryCall?.state().code);
  if (proposals !== undefined)
    logOutcome(turn, 'proposals', proposals.outcome, turn.proposalCall?.state().code);
  const closed: Closed = {
    summary: summary?.outcome === 'written' ? summary.value : undefined,
    proposals: proposals?.outcome === 'written' ? proposals.value : undefined,
    tokens: (summary?.tokens ?? 0) + (proposals?.tokens ?? 0),
    leftOver(stored) {
      // A ready summary rides on the commit write, so a failed write leaves it to keep; ready proposals
      // were written beside that write whatever became of it, and writing them again would undo what
      // the user edited since.
      const leftSummary = summary?.outcome === 'late' || (!stored && summary?.outcome === 'written');
      const leftProposals =
        proposals?.outcome === 'late' ||
        (!stored && proposals?.outcome === 'written' && !proposalsWritten.has(turn));
      if (!keep || session === undefined || !(leftSummary || leftProposals)) return undefined;
      return {
        sessionCreatedAt: session.created_at,
        summaryBase: session.rolling_summary?.through_message_id,
        summary: leftSummary ? turn.summaryCall : undefined,
        proposals: leftProposals ? turn.proposalCall : undefined,
        keptAt: turn.budget.now(),
      };
    },
  };
  closedTurns.set(turn, closed);
  return closed;
}

/**
 * Once the turn's write is known to have landed (`stored`) or not: what it did not store (a call still
 * running; when the write failed, a ready result too) is kept for the session's next turn. Once a turn.
 */
export function holdLateSideCalls(turn: TurnContext, outcome: { stored: boolean }): void {
  const closed = closedTurns.get(turn);
  const late = turn.ports.lateSideCalls;
  if (closed === undefined || late === undefined || heldTurns.has(turn)) return;
  heldTurns.add(turn);
  const left = closed.leftOver(outcome.stored);
  if (left !== undefined) late.keep(turn.key, left);
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
  if (late.proposals !== undefined && proposals?.outcome === 'written' && proposals.value !== undefined) {
    turn.lateProposals = { ...proposals.value, startedAt: late.proposals.startedAt };
    turn.logger.info('proposals.late_used', {});
  }
}

/** What a turn's proposals wrote to the memory: enough to take it back. */
export interface StoredProposals {
  at: string;
  before: MemoryDocument;
}

/**
 * The title and memory proposals, written beside the commit write (never after it): a title only while
 * the session has none of the model's or the user's (the store also refuses to replace the user's),
 * memory items only while the user's memory is on as read this turn (the store checks again). A
 * failure is logged, without the texts, and never fails the turn.
 */
export async function storeProposals(
  turn: TurnContext,
  current: Proposals | undefined,
): Promise<StoredProposals | undefined> {
  proposalsWritten.add(turn);
  const title = current?.title ?? turn.lateProposals?.title;
  const items = [...(current?.memory ?? []), ...(turn.lateProposals?.memory ?? [])];
  // One write for both: the earlier start, so a delete between the two calls drops both.
  const startedAt = [turn.proposalCall?.startedAt, turn.lateProposals?.startedAt]
    .filter((time) => time !== undefined)
    .sort()[0];
  const source = turn.session?.title_source;
  const writes: Promise<void>[] = [];
  let written: StoredProposals | undefined;
  if (title !== undefined && turn.session !== undefined && source !== 'model' && source !== 'user') {
    writes.push(
      bounded(turn, turn.ports.store.setSessionTitle(turn.key, title, 'model')).then(
        (stored) => turn.logger.info('title.proposed', { stored }),
        (error: unknown) => turn.logger.warn('title.not_stored', { cause: describeCause(error) }),
      ),
    );
  }
  const memory = turn.ports.memory;
  const document = turn.memoryDocument;
  if (memory !== undefined && document?.enabled === true && items.length > 0) {
    const at = turn.clock().toISOString();
    const { userId, sessionId } = turn.request;
    writes.push(
      bounded(turn, memory.store.applyProposals(userId, items, sessionId, at, document, startedAt)).then(
        (outcome) => {
          if (outcome.added + outcome.merged > 0) written = { at, before: document };
          turn.logger.info('memory.proposals', { ...outcome });
        },
        (error: unknown) => turn.logger.warn('memory.not_stored', { cause: describeCause(error) }),
      ),
    );
  }
  await Promise.all(writes);
  return written;
}

/**
 * The turn's session was deleted while its proposals were written: the items learned from it this turn
 * are taken back. A failure is logged; the next delete or clear by the user still removes them.
 */
export async function undoProposals(turn: TurnContext, written: StoredProposals | undefined): Promise<void> {
  const memory = turn.ports.memory;
  if (memory === undefined || written === undefined) return;
  const { userId, sessionId } = turn.request;
  await bounded(turn, memory.store.undoProposals(userId, sessionId, written.at, written.before)).then(
    (undone) => turn.logger.info('memory.proposals_undone', { undone }),
    (error: unknown) => turn.logger.warn('memory.not_undone', { cause: describeCause(error) }),
  );
}

function bounded<T>(turn: TurnContext, work: Promise<T>): Promise<T> {
  const { budget } = turn;
  return budget.within(work, budget.turnDeadlineAt, () => new Error('side write did not answer in time'));
}

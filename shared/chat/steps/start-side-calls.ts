import { contextTurnsOf } from '../../context/context-turns.js';
import { startProposalCall } from '../../context/proposal-call.js';
import { namesSelfHarmMethod } from '../../context/self-harm-methods.js';
import { screenCrisisRisk } from '../../safety/screen-crisis-risk.js';
import type { TurnContext } from '../turn-context.js';
import { buildContext } from './build-context.js';
import { startSummary } from './start-summary.js';

/** A title is asked for over the first exchanges only, until one is stored. */
const TITLE_EXCHANGES = 3;
/** Memory proposals are asked for after the first exchange, then every this many exchanges. */
export const MEMORY_EVERY_EXCHANGES = 4;

/**
 * The side calls, started as early as their inputs allow: they read what is already stored (the session
 * as read, its summary, the memory), never the turn's own reply, so they start once the limits let the
 * turn ask the model, before the words are stored and the message checked, and get that much head start
 * on the reply call. A new session has nothing stored to read; its context is built after its seed is
 * stored, as before (build-context.ts).
 */
export function startSideCalls(turn: TurnContext): void {
  // A turn over its limits makes no model call at all; the offline demo responder cannot answer these.
  if (turn.usage.kind === 'refused' || turn.ports.model.provider === 'offline') return;
  const session = turn.session;
  if (session === undefined || session.message_count === 0) return;
  // A resend of a turn the session already holds is replayed or resumed: it asks for nothing new.
  const resent = turn.request.clientMsgId;
  if (resent !== undefined && session.messages.some((message) => message.client_msg_id === resent)) return;
  buildContext(turn);
  startSummary(turn);
  startProposals(turn);
}

/**
 * The session's title (while it has none of the model's or the user's) and, while the user's memory is
 * on, memory items from the latest exchanges. Every proposal the crisis screen flags is dropped.
 */
export function startProposals(turn: TurnContext): void {
  const session = turn.session;
  if (session === undefined) return;
  const exchanges = Math.floor(session.message_count / 2);
  const titled = session.title_source === 'model' || session.title_source === 'user';
  const wants = {
    title: !titled && exchanges >= 1 && exchanges <= TITLE_EXCHANGES,
    memory:
      turn.memoryDocument?.enabled === true &&
      exchanges >= 1 &&
      (exchanges === 1 || exchanges % MEMORY_EVERY_EXCHANGES === 0),
  };
  if (!wants.title && !wants.memory) return;
  const { budget, settings } = turn;
  turn.proposalCall = startProposalCall({
    model: turn.ports.model,
    prompt: settings.context.proposalPrompt,
    wants,
    known: turn.memory,
    turns: contextTurnsOf(session.messages).slice(-MEMORY_EVERY_EXCHANGES),
    budget,
    deadlineAt: budget.modelDeadlineAt,
    startedAt: turn.clock().toISOString(),
    flagged: (text) =>
      namesSelfHarmMethod(text) || screenCrisisRisk(asSelf(text), settings.safety.crisis).level !== 'none',
  });
}

/**
 * The model writes of the person in the third person, which the crisis rules read as someone else's
 * risk; read as if in the first person, a risk in it is the person's.
 */
export function asSelf(text: string): { message: string; recentUserMessages: string[] } {
  return { message: text.replace(/对方|她|他/gu, '我'), recentUserMessages: [] };
}

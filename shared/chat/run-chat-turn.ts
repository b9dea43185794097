import { toAppError } from '../errors/app-error.js';
import { answerJudgedCrisis } from './answer-crisis.js';
import { type ChatReply, toChatReply } from './chat-reply.js';
import { holdLateSideCalls } from './side-call-results.js';
import { announceStream } from './steps/announce-stream.js';
import { applyCrisisJudgement } from './steps/apply-crisis-judgement.js';
import { buildContext } from './steps/build-context.js';
import { carryCrisisCare } from './steps/carry-crisis-care.js';
import { checkLimits } from './steps/check-limits.js';
import { checkMessage } from './steps/check-message.js';
import { checkReply } from './steps/check-reply.js';
import { checkSeededHistory } from './steps/check-seeded-history.js';
import { commitReply } from './steps/commit-reply.js';
import { generateReply } from './steps/generate-reply.js';
import { labelEmotion } from './steps/label-emotion.js';
import { readSession } from './steps/read-session.js';
import { screenCrisisAlone } from './steps/screen-crisis-alone.js';
import { screenCrisisInContext } from './steps/screen-crisis-in-context.js';
import { startCrisisJudge } from './steps/start-crisis-judge.js';
import { startSideCalls } from './steps/start-side-calls.js';
import { startSummary } from './steps/start-summary.js';
import { storeWords } from './steps/store-words.js';
import type { TurnContext, TurnStep } from './turn-context.js';
import { failTurnRecord } from './turn-record.js';
import { recordTokens, refundUnusedCharge } from './usage-charge.js';

/**
 * Steps that need nothing from each other, run at once. When one answers the turn (a replay), that
 * answer stands; otherwise the first failure in list order is the turn's.
 */
export function sideBySide(...steps: TurnStep[]): TurnStep {
  return async (turn) => {
    const settled = await Promise.allSettled(steps.map(async (step) => step(turn)));
    if (turn.result !== undefined) return;
    const failure = settled.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  };
}

/**
 * A chat turn, in order. A high crisis risk is answered by the screen itself, before limits or storage;
 * nothing is stored when a limit refuses; the words are stored before anything can fail them; the reply
 * is checked before anyone sees it. To add or move a step, edit this list and the step's own file.
 */
export const chatTurnSteps: readonly TurnStep[] = [
  screenCrisisAlone,
  readSession,
  screenCrisisInContext,
  carryCrisisCare,
  checkLimits,
  checkSeededHistory,
  // WeChat's check of the message needs nothing stored: it runs beside the write of the words (one wait
  // instead of two); a blocked message is still stored, as blocked.
  sideBySide(storeWords, checkMessage),
  // Not awaited: the summary, title and memory proposals read only what was stored before, so they run
  // beside the reply call; started once this turn's words are known to be new, so a resend answered by
  // a stored reply (a replay, a wait) asks no model and stays free.
  startSideCalls,
  announceStream,
  buildContext,
  // The judge only starts here and runs beside the reply call; its verdict is applied once the reply
  // is made, before anyone sees it.
  startCrisisJudge,
  // A new session's seed may already need a summary (a stored session's started above).
  startSummary,
  generateReply,
  labelEmotion,
  applyCrisisJudgement,
  checkReply,
  commitReply,
];

/**
 * Runs the steps until one answers. A failure after the words were stored marks them failed (or blocked)
 * and keeps the model's tokens counted, unless the crisis judge said `high`: then the fixed reply, which
 * needs no model, answers the turn; a person whose words showed a risk gets the hotlines with any
 * error; a turn that asked no model gives its usage count back.
 */
export async function runChatTurn(turn: TurnContext, steps = chatTurnSteps): Promise<ChatReply> {
  try {
    for (const step of steps) {
      await step(turn);
      if (turn.result !== undefined) return turn.result;
    }
    throw new Error('the chat turn ended without an answer');
  } catch (error) {
    // The judge's tokens are counted and its verdict brings the hotlines to an error too (it is bounded
    // by its own deadline and never rejects).
    await applyCrisisJudgement(turn);
    const crisisAnswer = await answerJudgedCrisis(turn);
    if (crisisAnswer !== undefined) {
      await recordTokens(turn);
      return crisisAnswer;
    }
    const [answeredElsewhere] = await Promise.all([failTurnRecord(turn, error), recordTokens(turn)]);
    if (answeredElsewhere !== undefined) {
      return toChatReply(answeredElsewhere, turn.request.sessionId, turn.settings);
    }
    const failure = toAppError(error);
    throw turn.crisis.level === 'none'
      ? failure
      : failure.withSafety({ level: turn.crisis.level, resources: turn.settings.safety.crisis.resources });
  } finally {
    // Whatever ended the turn (a resend replayed after the side calls started, too): its side calls are
    // closed, what they still write is kept for the next turn, and their tokens are counted.
    await recordTokens(turn);
    holdLateSideCalls(turn, { stored: false });
    await refundUnusedCharge(turn);
  }
}

import type { ReplyWithEmotion } from '../../emotion/resolve-reply-emotion.js';
import { AppError } from '../../errors/app-error.js';
import type { StoredMessage } from '../../storage/session-document.js';
import { NEUTRAL_TITLE } from '../../storage/session-overview.js';
import { crisisReply, toChatReply } from '../chat-reply.js';
import { closeSideCalls, holdLateSideCalls, storeProposals, undoProposals } from '../side-call-results.js';
import type { TurnContext } from '../turn-context.js';
import { finishTurnRecord } from '../turn-record.js';
import { recordTokens } from '../usage-charge.js';
import { isCarriedCare } from './carry-crisis-care.js';

/** The reply stored with the turn, and the model's tokens counted beside that write. */
export async function commitReply(turn: TurnContext): Promise<void> {
  const { words, labelled } = turn;
  if (words === undefined || labelled === undefined) throw new Error('commitReply runs after generate');
  const reviewed = turn.messageCheck?.outcome === 'review' || turn.replyCheck?.outcome === 'review';
  // Only the judge raises a turn to high this late (the screen answers high before the model is asked):
  // the fixed reply replaces the model's, which is never shown.
  const reply: StoredMessage =
    turn.crisis.level === 'high'
      ? crisisReply(words.question, turn)
      : modelReply(turn, words.question.message_id, labelled, reviewed);
  // The summary rides on this write when it is ready, the proposals are written beside it; a side call
  // still running is not waited for (the warm instance keeps it for the session's next turn), so the
  // turn's latency and its 3 requests in sequence stay as they are.
  // The screen's flag titled a new session neutrally when the words were stored; a flag raised later
  // (the judge, in this turn) does so here, in the same write.
  if (reply.safety_level !== undefined && turn.session === undefined)
    turn.sessionChanges = { ...turn.sessionChanges, title: NEUTRAL_TITLE, title_source: 'message' };
  const side = closeSideCalls(turn);
  if (side.summary !== undefined)
    turn.sessionChanges = { ...turn.sessionChanges, rolling_summary: side.summary };
  const proposalsStored = storeProposals(turn, side.proposals);
  const [stored] = await Promise.all([
    // The session deleted meanwhile: what the proposals wrote from it is taken back (one more request,
    // only then); a commit that failed otherwise leaves them, made from words that are stored.
    finishTurnRecord(turn, words, { status: 'complete', reply }).catch(async (error: unknown) => {
      if (error instanceof AppError && error.code === 'NOT_FOUND')
        await undoProposals(turn, await proposalsStored);
      throw error;
    }),
    recordTokens(turn),
    proposalsStored,
  ]);
  if (stored === undefined) throw new Error('a complete outcome is stored or superseded');
  holdLateSideCalls(turn, { stored: true });
  turn.logger.info('chat.turn', {
    session_messages: (turn.session?.message_count ?? 0) + words.seedMessages.length + 2,
    message_chars: turn.request.message.length,
    reply_chars: reply.content.length,
    emotion: reply.emotion,
    emotion_source: reply.emotion_source,
    context_tokens: turn.context?.tokens,
    context_left_out: turn.context?.leftOut,
    duration_ms: turn.budget.elapsedMs(),
  });
  turn.result = toChatReply(stored, turn.request.sessionId, turn.settings);
}

function modelReply(
  turn: TurnContext,
  questionId: string,
  labelled: ReplyWithEmotion,
  reviewed: boolean,
): StoredMessage {
  return {
    message_id: turn.ids(),
    role: 'agent',
    content: labelled.content,
    timestamp: turn.clock().toISOString(),
    emotion: labelled.emotion,
    emotion_source: labelled.emotionSource,
    ...(labelled.modelEmotion === undefined ? {} : { model_emotion: labelled.modelEmotion }),
    reply_to: questionId,
    ...(turn.crisis.level === 'medium' ? { safety_level: 'medium' as const } : {}),
    ...(isCarriedCare(turn.crisis) ? { safety_carried: true as const } : {}),
    ...(reviewed ? { content_review: true as const } : {}),
    prompt_version: turn.settings.context.promptVersion,
  };
}

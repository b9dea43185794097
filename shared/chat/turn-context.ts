import type { Config } from '../config/load-config.js';
import type { ContextSettings } from '../context/context-settings.js';
import type { PackedContext } from '../context/pack-context.js';
import type { ProposalCall, Proposals } from '../context/proposal-call.js';
import type { SummaryCall } from '../context/summary-call.js';
import type { ReplyWithEmotion } from '../emotion/resolve-reply-emotion.js';
import type { AppError } from '../errors/app-error.js';
import type { UsageLimits } from '../limits/enforce-usage-limits.js';
import type { UsageStore } from '../limits/usage-store.js';
import type { Logger } from '../logging/logger.js';
import type { MemoryDocument } from '../memory/memory-document.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { ChatModel, ModelReply } from '../model/chat-model.js';
import type { CompletedReply } from '../model/complete-with-deadline.js';
import type { ModelMessage } from '../prompt/build-model-messages.js';
import type { PromptAssets } from '../prompt/load-prompt-assets.js';
import type { CrisisScreen } from '../safety/screen-crisis-risk.js';
import type { SessionDocument, SessionKey, StoredMessage } from '../storage/session-document.js';
import type { SessionChanges, SessionStore } from '../storage/session-store.js';
import type { ChatReply } from './chat-reply.js';
import type { ChatSafety } from './chat-safety.js';
import type { LateSideCallStore } from './late-side-calls.js';
import type { MemoryOffUsers } from './memory-off-users.js';
import type { ChatRequest } from './parse-chat-request.js';
import type { ContentDecision } from './screen-content.js';
import type { TurnStream } from './stream/turn-stream.js';
import type { TurnBudget } from './turn-budget.js';

export type ChatTurnRequest = ChatRequest & { userId: string };

/** What the turn talks to: each a port with a CloudBase and a local (or fake) adapter. */
export interface TurnPorts {
  store: SessionStore;
  /** Per-user counters; absent = not counted. */
  usage: { store: UsageStore; limits: UsageLimits } | undefined;
  model: ChatModel;
  /** A second provider for retryable failures of the first. */
  fallbackModel: ChatModel | undefined;
  /** The users' memories, with the warm instance's note of whose memory is off; absent = not used. */
  memory?: { store: MemoryStore; offUsers: MemoryOffUsers };
  /** Side calls that ended after their turn, kept by the warm instance for the session's next turn. */
  lateSideCalls?: LateSideCallStore;
}

/** What the turn reads but never changes, built once per warm instance. */
export interface TurnSettings {
  limits: Config['limits'];
  modelRetry: { maxAttempts: number; maxRetryWaitMs: number };
  /** Appended to every reply shown, when configured (GB 45438-2025 explicit label). */
  aiLabelText: string | undefined;
  prompt: PromptAssets;
  safety: ChatSafety;
  crisisCare: Config['crisisCare'];
  /** The token budget, the summary prompt, the prompt version (context-settings.ts). */
  context: ContextSettings;
}

/** How counting this message against the user's limits went; decided on once the session is read. */
export type UsageCharge =
  | { kind: 'counted' }
  | { kind: 'refused'; error: AppError }
  /** Not counted: no counters, or they could not answer in time (the turn goes on, logged). */
  | { kind: 'uncounted' };

/** The user's words as stored for this attempt: the pending question it owns, and a new session's seed. */
export interface StoredWords {
  question: StoredMessage;
  seedMessages: StoredMessage[];
  /** Set once the turn's outcome is written, so a failure after it writes nothing more. */
  settled: boolean;
}

/**
 * One turn: the request, the ports, the budget, and what earlier steps found. Steps read what they need
 * and add what they find; a step that answers the turn sets `result`, and the pipeline stops there.
 */
export interface TurnContext {
  readonly request: ChatTurnRequest;
  readonly key: SessionKey;
  readonly ports: TurnPorts;
  readonly settings: TurnSettings;
  readonly budget: TurnBudget;
  /** Wall time, only to date what is stored; deadlines use the budget's monotonic clock. */
  readonly clock: () => Date;
  readonly ids: () => string;
  readonly logger: Logger;
  crisis: CrisisScreen;
  /** The session as read at the start (its latest messages only), or undefined when it is new. */
  session: SessionDocument | undefined;
  usage: UsageCharge;
  words: StoredWords | undefined;
  messageBlocked: boolean;
  messageCheck: ContentDecision | undefined;
  modelMessages: ModelMessage[];
  /**
   * The user's memory items (short texts), most important first; empty until the memory is read. They
   * reach the model as information it may use gently, never as instructions (context-sections.ts).
   */
  memory: readonly string[];
  /** The user's memory document as read this turn, only while the memory is on. */
  memoryDocument: MemoryDocument | undefined;
  /** The context as packed for the reply call: its size and the turns a summary should cover now. */
  context: PackedContext | undefined;
  /** The rolling summary's call, started beside the reply call when turns fall out of the window. */
  summaryCall: SummaryCall | undefined;
  /** The title and memory proposals' call, started beside the reply call when one is due. */
  proposalCall: ProposalCall | undefined;
  /** Proposals an earlier turn's call made after that turn ended, stored with this turn's commit. */
  lateProposals: (Proposals & { startedAt: string }) | undefined;
  /** Session fields stored in the write that completes the turn (the summary when it is ready). */
  sessionChanges: SessionChanges | undefined;
  /** Model calls this turn made: a turn that made none gives its count back. */
  modelCalls: number;
  completion: CompletedReply | undefined;
  /** The crisis judge's tokens, once it answered: counted with the reply's. */
  judgeUsage: ModelReply['usage'];
  tokensRecorded: boolean;
  labelled: ReplyWithEmotion | undefined;
  replyCheck: ContentDecision | undefined;
  result: ChatReply | undefined;
  /**
   * The model judge's verdict on the message (issue 10, layer 4), started beside the reply call. It never
   * rejects: a judge that fails or times out resolves to undefined (fail open to the other layers). A
   * stream (issue 11) holds its deltas until it settles, at most CRISIS_JUDGE_WAIT_MS.
   */
  crisisJudgement: Promise<CrisisScreen | undefined> | undefined;
  /** The server-sent events of POST /api/chat/stream (issue 11); undefined on every other path. */
  stream: TurnStream | undefined;
}

export function createTurnContext(
  request: ChatTurnRequest,
  environment: Pick<TurnContext, 'ports' | 'settings' | 'budget' | 'clock' | 'ids' | 'logger'>,
): TurnContext {
  return {
    ...environment,
    request,
    key: { userId: request.userId, sessionId: request.sessionId },
    crisis: { level: 'none', categories: [] },
    session: undefined,
    usage: { kind: 'uncounted' },
    words: undefined,
    messageBlocked: false,
    messageCheck: undefined,
    modelMessages: [],
    memory: [],
    memoryDocument: undefined,
    context: undefined,
    summaryCall: undefined,
    proposalCall: undefined,
    lateProposals: undefined,
    sessionChanges: undefined,
    modelCalls: 0,
    completion: undefined,
    judgeUsage: undefined,
    tokensRecorded: false,
    labelled: undefined,
    replyCheck: undefined,
    result: undefined,
    crisisJudgement: undefined,
    stream: undefined,
  };
}

/** A step of the turn: reads the context, adds what it finds, or answers the turn by setting `result`. */
export type TurnStep = (turn: TurnContext) => Promise<void> | void;

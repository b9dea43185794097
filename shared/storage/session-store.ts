import type {
  RollingSummary,
  SessionDocument,
  SessionKey,
  SessionSummary,
  StoredMessage,
} from './session-document.js';

/** A user message and, once the turn is complete, its reply. */
export interface StoredTurn {
  question: StoredMessage;
  reply: StoredMessage | undefined;
}

export interface BeginTurnInput {
  key: SessionKey;
  /**
   * Messages to store when the session does not exist yet (the client's validated history). Ignored when
   * the session already exists: the stored copy wins.
   */
  seedMessages: readonly StoredMessage[];
  /** The user's message, `status: 'pending'`, with its `client_msg_id`, `attempt_id` and `attempt_at`. */
  question: StoredMessage;
  /** The server time of the write, ISO 8601. */
  now: string;
  /**
   * Whether the caller saw the session when it read it this turn. Only picks the cheaper first attempt
   * (create or append); correctness never depends on it, since another writer may have won meanwhile.
   */
  sessionExisted: boolean;
  /**
   * The crisis screen flagged the message: on a shared phone the session list must not show its words,
   * so the title a new session starts with and the preview are neutral (session-overview.ts).
   */
  flagged?: boolean;
}

export type BeginTurnResult = { started: true } | { started: false; existing: StoredTurn };

export interface ClaimTurnInput {
  key: SessionKey;
  messageId: string;
  /** The attempt the caller saw own the turn; the claim fails if another attempt took it meanwhile. */
  previousAttemptId: string;
  attemptId: string;
  now: string;
}

export type TurnOutcome =
  | { status: 'complete'; reply: StoredMessage }
  | { status: 'failed' | 'blocked'; errorCode: string };

/**
 * Session fields a turn's side call produced, written in the same request as the turn's outcome (no
 * request of their own) and only if that write applies. Each replaces the stored value whole.
 */
export interface SessionChanges {
  rolling_summary?: RollingSummary;
  /** A new session whose first turn the crisis judge flagged: its words do not title the session list. */
  title?: string;
  title_source?: 'message';
}

export interface FinishTurnInput {
  key: SessionKey;
  messageId: string;
  attemptId: string;
  outcome: TurnOutcome;
  now: string;
  sessionChanges?: SessionChanges | undefined;
}

export interface ExportSessionsOptions {
  /** Only sessions whose id sorts after this one (the last id of the previous page). */
  afterSessionId?: string | undefined;
  limit?: number | undefined;
}

/** The user's rating of one of the companion's replies (the `feedback` action). */
export interface FeedbackInput {
  messageId: string;
  rating: 'up' | 'down';
  /** Already checked: at most FEEDBACK_REASON_MAX_CHARS characters. */
  reason?: string | undefined;
  now: string;
}

/**
 * `stored` in the session holding the reply; `not_found` when none of the user's sessions holds the
 * message (someone else's message answers the same); `not_a_reply` on the user's own message.
 */
export type FeedbackResult =
  | { status: 'stored'; sessionId: string }
  | { status: 'not_found' }
  | { status: 'not_a_reply' };

/** Most sessions one export call returns; a user with more pages through them. */
export const EXPORT_MAX_SESSIONS = 1000;
/** Most sessions one retention call deletes unless told otherwise; the timer calls again while there is time. */
export const RETENTION_SWEEP_DEFAULT_LIMIT = 500;

/**
 * The storage port. Every call takes the owner's id: there is no way to name a session without its owner,
 * so no call can reach another user's session.
 *
 * A turn is written in two steps, so the user's words are stored before the model is asked: `beginTurn`
 * appends the message as `pending`, `finishTurn` appends the reply (or marks the message failed or
 * blocked). Every write is conditional and safe to repeat: a call that timed out after it landed, sent
 * again, reports the same result and stores nothing twice.
 */
export interface SessionStore {
  /**
   * The session, or undefined when this user has no session with that id. With `recentMessages`, only
   * that many of the latest messages are returned (`message_count` still counts all of them): a chat
   * turn needs only the model's context, not a long session's whole history.
   */
  getSession(key: SessionKey, options?: { recentMessages?: number }): Promise<SessionDocument | undefined>;
  /**
   * Appends the pending user message unless the session already holds a message with its
   * `client_msg_id`; then returns that turn instead. Creates the session (seeded) when it does not exist.
   */
  beginTurn(input: BeginTurnInput): Promise<BeginTurnResult>;
  /** The turn opened by the message with this `client_msg_id`, if the session holds it. */
  findTurn(key: SessionKey, clientMessageId: string): Promise<StoredTurn | undefined>;
  /**
   * Hands a failed or abandoned turn to a new attempt: true when `attemptId` now owns it, false when the
   * turn is complete or another attempt owns it.
   */
  claimTurn(input: ClaimTurnInput): Promise<boolean>;
  /**
   * Stores the turn's outcome if `attemptId` still owns the turn and it has no reply yet: true when the
   * outcome is stored (now or by an earlier call with the same input), false when another attempt owns
   * or finished the turn.
   */
  finishTurn(input: FinishTurnInput): Promise<boolean>;
  /**
   * Titles the session: true when it now has this title from this source; false when the user has no
   * session with that id, or the model (`source: 'model'`) proposes a title for a session the user
   * titled. The model's title is cut to TITLE_MAX_CHARS; `updated_at` does not change.
   */
  setSessionTitle(key: SessionKey, title: string, source: 'user' | 'model'): Promise<boolean>;
  /**
   * Stores the user's rating of a reply in the session that holds it, replacing an earlier rating;
   * only the user's own sessions are looked at. `updated_at` does not change.
   */
  recordFeedback(userId: string, input: FeedbackInput): Promise<FeedbackResult>;
  /** The user's sessions, most recently updated first. */
  listSessions(userId: string, options?: { limit?: number }): Promise<SessionSummary[]>;
  /**
   * Whole documents of the user's sessions, for a data export, ordered by `session_id` (code-unit order,
   * so pages are stable while the user keeps chatting). At most `limit` of them (default and cap
   * `EXPORT_MAX_SESSIONS`); with `afterSessionId`, only those after it, to page through. Memory: the
   * documents are held at once, so callers page with a small `limit` rather than load a heavy user's
   * every session (a session may hold `MAX_SESSION_MESSAGES` messages).
   */
  exportSessions(userId: string, options?: ExportSessionsOptions): Promise<SessionDocument[]>;
  /**
   * Deletes the session: true when something was deleted, false when this user has no session with
   * that id (another user's session with the same id is never touched). A turn that races the delete
   * either lands before it (and is deleted with it) or after it, starting a fresh session with only its
   * own message: never half of the deleted one.
   */
  deleteSession(key: SessionKey): Promise<boolean>;
  /** Deletes every session of the user; the number deleted. */
  deleteAllSessions(userId: string): Promise<number>;
  /**
   * The retention sweep, across ALL users (the only call that is not scoped to one owner; only the
   * timer trigger makes it): deletes sessions whose `updated_at` is before `cutoffIso`, in batches, at
   * most `limit` of them (default `RETENTION_SWEEP_DEFAULT_LIMIT`); the number deleted. `cutoffIso` is
   * UTC as `Date.prototype.toISOString()` writes it, compared as a string, as the database does. A
   * session updated after it was picked is not deleted.
   */
  deleteSessionsUpdatedBefore(
    cutoffIso: string,
    options?: {
      limit?: number;
      /**
       * Filled with the owners of the sessions deleted (and perhaps of some looked at and spared), so
       * the sweep can tell whose last session went (their memory goes with it).
       */
      owners?: Set<string>;
    },
  ): Promise<number>;
  /** Releases connections and timers; the local server calls it on shutdown. */
  close?(): Promise<void>;
}

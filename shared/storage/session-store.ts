import type { SessionDocument, SessionKey, SessionSummary, StoredMessage } from './session-document.js';

export interface AppendTurnInput {
  key: SessionKey;
  /**
   * Messages to store when the session does not exist yet (the client's validated history). Ignored when
   * the session already has messages: the stored copy wins.
   */
  seedMessages: readonly StoredMessage[];
  /** The new messages of this turn, in order: the user's message, then the reply when there is one. */
  messages: readonly StoredMessage[];
  /** The server time of the write, ISO 8601. */
  now: string;
  /**
   * Whether the caller saw the session when it read it this turn. Only picks the cheaper first attempt
   * (create or append); correctness never depends on it, since another writer may have won meanwhile.
   */
  sessionExisted: boolean;
}

/**
 * The storage port. Every call takes the owner's id: there is no way to name a session without its owner,
 * so no call can reach another user's session.
 */
export interface SessionStore {
  /**
   * The session, or undefined when this user has no session with that id. With `recentMessages`, only
   * that many of the latest messages are returned (`message_count` still counts all of them): a chat
   * turn needs only the model's context, not a long session's whole history.
   */
  getSession(key: SessionKey, options?: { recentMessages?: number }): Promise<SessionDocument | undefined>;
  /**
   * Appends the turn atomically: concurrent appends to one session all land, each turn's messages stay
   * together and in order. Creates the session (seeded) when it does not exist.
   */
  appendTurn(input: AppendTurnInput): Promise<void>;
  /** The user's sessions, most recently updated first. */
  listSessions(userId: string, options?: { limit?: number }): Promise<SessionSummary[]>;
  /** Releases connections and timers; the local server calls it on shutdown. */
  close?(): Promise<void>;
}

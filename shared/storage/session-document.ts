import * as z from 'zod/mini';
import { feedbackSchema, titleSourceSchema } from './session-overview.js';

/**
 * Version of the stored document shape (docs/storage.md). 2 keeps each turn's state in maps beside the
 * messages; documents of version 1 (turn state on the messages) are still read and upgraded on their
 * next turn.
 */
export const SESSION_SCHEMA_VERSION = 2;
export const LEGACY_SESSION_SCHEMA_VERSION = 1;

/** Ids become file names and database keys, so they are restricted to characters that are safe in both. */
export const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

export const turnStatusSchema = z.enum(['pending', 'complete', 'failed', 'blocked']);
export type TurnStatus = z.infer<typeof turnStatusSchema>;

export const storedMessageSchema = z.object({
  message_id: z.string().check(z.minLength(1)),
  role: z.enum(['user', 'agent']),
  content: z.string(),
  timestamp: z.string(),
  /** Only on agent messages: the monster's expression for this reply. */
  emotion: z.optional(z.string()),
  /**
   * Only on agent messages: where the label came from: the model's tag, the local classifier, or the
   * fixed crisis reply (`template`).
   */
  emotion_source: z.optional(z.enum(['model', 'classifier', 'template'])),
  /** Only on agent messages whose label the classifier overrode: the label the model gave. */
  model_emotion: z.optional(z.string()),
  /**
   * Only on user messages: the state of the turn it opened. `pending` while its reply is being made,
   * `complete` once answered, `failed` when the model could not answer (a retry may still complete it),
   * `blocked` when content security stopped it. A stored reply (`reply_to`) marks a turn complete even if
   * the status write after it was lost.
   */
  status: z.optional(turnStatusSchema),
  /** Why a user message was not answered, as an error code. */
  error_code: z.optional(z.string()),
  /** Only on user messages: the client's id for the message (or the server's when it sent none). */
  client_msg_id: z.optional(z.string()),
  /** Only on user messages: the id of the attempt that owns the turn now, so only it can finish it. */
  attempt_id: z.optional(z.string()),
  /** Only on user messages: when that attempt started, to tell a running turn from an abandoned one. */
  attempt_at: z.optional(z.string()),
  /** Only on user messages: how many attempts the turn has had. */
  attempts: z.optional(z.number()),
  /** On messages the client's `history` seeded: the service did not write them, nor check them with WeChat. */
  seeded: z.optional(z.literal(true)),
  /** Only on agent messages: the user message this reply answers. */
  reply_to: z.optional(z.string()),
  /** Only on agent messages: the crisis screen's level for the turn, so the operator can find it. */
  safety_level: z.optional(z.enum(['medium', 'high'])),
  /**
   * Only on agent messages with `safety_level`: the care was carried over from an earlier flagged turn
   * (the words of this one were calm), so it does not extend the care by itself (CRISIS_CALM_TURNS).
   */
  safety_carried: z.optional(z.literal(true)),
  /** Only on agent messages: content security let the turn through but asked for a human review. */
  content_review: z.optional(z.literal(true)),
  /**
   * Only on agent messages: a short hash of the persona prompt, label file and crisis texts the reply was
   * made with (promptVersionOf in context-settings.ts), so feedback and incidents trace to the text
   * behind them.
   */
  prompt_version: z.optional(z.string()),
  /**
   * Only on agent messages, as readers see them: the user's rating of the reply (stored in the
   * session's `feedback` map, not on the message, which is never rewritten).
   */
  feedback: z.optional(feedbackSchema),
});

export type StoredMessage = z.infer<typeof storedMessageSchema>;

/**
 * What the model wrote about the turns that fell out of the context window (docs/memory.md): what the
 * person is going through, what helped, what was agreed. Extended as more turns fall out; never holds
 * the words of a crisis-template turn.
 */
export const rollingSummarySchema = z.object({
  text: z.string(),
  /** The user message that opened the last turn it covers (that turn's reply included). */
  through_message_id: z.string(),
  updated_at: z.string(),
});
export type RollingSummary = z.infer<typeof rollingSummarySchema>;

/**
 * A session as the store's callers see it: every question carries its turn's state. Both adapters store
 * it differently (see session-record.ts) and present it in this shape.
 */
export const sessionDocumentSchema = z.object({
  schema_version: z.literal(SESSION_SCHEMA_VERSION),
  user_id: z.string().check(z.regex(idPattern)),
  session_id: z.string().check(z.regex(idPattern)),
  created_at: z.string(),
  updated_at: z.string(),
  message_count: z.number().check(z.refine(Number.isInteger), z.gte(0)),
  /** What a session list shows (session-overview.ts); absent on sessions stored before they existed. */
  title: z.optional(z.string()),
  title_source: z.optional(titleSourceSchema),
  last_message_preview: z.optional(z.string()),
  last_emotion: z.optional(z.string()),
  messages: z.array(storedMessageSchema),
  /** Absent until turns first fall out of the context window. */
  rolling_summary: z.optional(rollingSummarySchema),
});

export type SessionDocument = z.infer<typeof sessionDocumentSchema>;

/** What `sessions.json` and a session listing hold for each session, without the messages. */
export const sessionSummarySchema = z.omit(sessionDocumentSchema, { messages: true, rolling_summary: true });
export type SessionSummary = z.infer<typeof sessionSummarySchema>;

export interface SessionKey {
  userId: string;
  sessionId: string;
}

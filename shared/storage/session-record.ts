import * as z from 'zod/mini';
import {
  idPattern,
  LEGACY_SESSION_SCHEMA_VERSION,
  SESSION_SCHEMA_VERSION,
  type SessionDocument,
  type SessionSummary,
  type StoredMessage,
  sessionDocumentSchema,
  storedMessageSchema,
  turnStatusSchema,
} from './session-document.js';
import { defaultTitle, type Feedback, feedbackKey, feedbackSchema } from './session-overview.js';

/**
 * A session as both adapters store it (schema version 2, docs/storage.md). Messages are only ever
 * appended; what changes during a turn lives in two maps beside them, so every turn write is one
 * conditional update of plain dotted fields:
 *
 *   turns.m_<message_id>       = { attempt_id, attempt_at, attempts, status, error_code?, reply_id? }
 *   client_msg_ids.c_<client>  = <message_id>   (one turn per client_msg_id)
 *
 * Keys carry a letter prefix so that no key is all digits, which a database could read as an array index.
 */

export const turnStateSchema = z.object({
  attempt_id: z.string(),
  attempt_at: z.string(),
  attempts: z.number(),
  status: turnStatusSchema,
  error_code: z.optional(z.string()),
  reply_id: z.optional(z.string()),
});
export type TurnState = z.infer<typeof turnStateSchema>;

export const sessionRecordSchema = z.object({
  ...sessionDocumentSchema.shape,
  schema_version: z.literal(SESSION_SCHEMA_VERSION),
  messages: z.array(storedMessageSchema),
  turns: z.record(z.string(), turnStateSchema),
  client_msg_ids: z.record(z.string(), z.string()),
  /** The user's feedback on replies, `f_<message_id>` → `{rating, reason?, created_at}`. */
  feedback: z.optional(z.record(z.string(), feedbackSchema)),
});
export type SessionRecord = z.infer<typeof sessionRecordSchema>;

/** A listing's row of either version, without the messages and maps. */
export const summaryRowSchema = z.object({
  ...z.omit(sessionDocumentSchema, { messages: true }).shape,
  schema_version: z.union([z.literal(SESSION_SCHEMA_VERSION), z.literal(LEGACY_SESSION_SCHEMA_VERSION)]),
});

/** Version 1, still in databases written before version 2: the turn state sits on each question. */
const legacySessionSchema = z.object({
  ...sessionDocumentSchema.shape,
  schema_version: z.literal(LEGACY_SESSION_SCHEMA_VERSION),
});
type LegacySession = z.infer<typeof legacySessionSchema>;

/** Question fields that live in the turn map, not on the stored message. */
const turnFields = ['status', 'error_code', 'attempt_id', 'attempt_at', 'attempts'] as const;

export function turnKey(messageId: string): string {
  return `m_${messageId}`;
}

export function clientKey(clientMessageId: string): string {
  return `c_${clientMessageId}`;
}

/** Ids become map keys (field names), so only those of the id pattern are used as keys. */
export function isKeyableId(id: string): boolean {
  return idPattern.test(id);
}

/** A stored row of either version, as a version 2 record (a version 1 row is upgraded in memory). */
export function parseSessionRow(row: unknown): { record: SessionRecord; legacy: boolean } {
  const version = (row as { schema_version?: unknown } | null)?.schema_version;
  if (version === LEGACY_SESSION_SCHEMA_VERSION) {
    return { record: upgradeLegacy(legacySessionSchema.parse(row)), legacy: true };
  }
  return { record: sessionRecordSchema.parse(row), legacy: false };
}

/**
 * The version 2 record of a version 1 document: each question with a `client_msg_id` gets its turn
 * entry, its status settled by a stored reply (a version 1 turn could keep `pending` after its reply
 * landed, when the separate status write was lost). The messages keep their old fields; the maps win.
 */
export function upgradeLegacy(legacy: LegacySession): SessionRecord {
  const turns: Record<string, TurnState> = {};
  const clientIds: Record<string, string> = {};
  for (const message of legacy.messages) {
    const clientId = message.client_msg_id;
    if (message.role !== 'user' || clientId === undefined) continue;
    if (!isKeyableId(message.message_id) || !isKeyableId(clientId)) continue;
    if (clientIds[clientKey(clientId)] !== undefined) continue;
    const reply = legacy.messages.find(
      (candidate) => candidate.role === 'agent' && candidate.reply_to === message.message_id,
    );
    const state: TurnState = {
      attempt_id: message.attempt_id ?? '',
      attempt_at: message.attempt_at ?? message.timestamp,
      attempts: message.attempts ?? 1,
      status: reply === undefined ? (message.status ?? 'complete') : 'complete',
    };
    if (reply !== undefined) state.reply_id = reply.message_id;
    else if (message.error_code !== undefined) state.error_code = message.error_code;
    turns[turnKey(message.message_id)] = state;
    clientIds[clientKey(clientId)] = message.message_id;
  }
  return { ...legacy, schema_version: SESSION_SCHEMA_VERSION, turns, client_msg_ids: clientIds };
}

/** The question as it is appended: the turn's changing state goes to the map instead. */
export function storedQuestion(question: StoredMessage): StoredMessage {
  const stored: Record<string, unknown> = { ...question };
  for (const field of turnFields) delete stored[field];
  return stored as StoredMessage;
}

/** A message as callers see it: a question with its turn's state from the map. */
export function presentMessage(message: StoredMessage, record: SessionRecord): StoredMessage {
  if (message.role === 'agent') {
    const feedback: Feedback | undefined = record.feedback?.[feedbackKey(message.message_id)];
    return feedback === undefined ? message : { ...message, feedback };
  }
  const state = record.turns[turnKey(message.message_id)];
  if (state === undefined) return message;
  const presented: StoredMessage = {
    ...storedQuestion(message),
    status: state.status,
    attempt_id: state.attempt_id,
    attempt_at: state.attempt_at,
    attempts: state.attempts,
  };
  if (state.error_code !== undefined && state.status !== 'complete') presented.error_code = state.error_code;
  return presented;
}

export function presentSession(record: SessionRecord): SessionDocument {
  return {
    ...presentSummary(record, record.messages),
    messages: record.messages.map((message) => presentMessage(message, record)),
    ...(record.rolling_summary === undefined ? {} : { rolling_summary: record.rolling_summary }),
  };
}

type SummaryFields = Pick<
  SessionRecord,
  | 'user_id'
  | 'session_id'
  | 'created_at'
  | 'updated_at'
  | 'message_count'
  | 'title'
  | 'title_source'
  | 'last_message_preview'
  | 'last_emotion'
>;

/**
 * The session without its messages. A session stored before titles existed is titled from its first
 * messages when the caller has them (`messages`: the whole list, or only its start).
 */
export function presentSummary(
  record: SummaryFields,
  messages: readonly StoredMessage[] = [],
): SessionSummary {
  const summary: SessionSummary = {
    schema_version: SESSION_SCHEMA_VERSION,
    user_id: record.user_id,
    session_id: record.session_id,
    created_at: record.created_at,
    updated_at: record.updated_at,
    message_count: record.message_count,
  };
  const title = record.title ?? defaultTitle(messages);
  if (title !== undefined) summary.title = title;
  if (record.title_source !== undefined) summary.title_source = record.title_source;
  else if (title !== undefined) summary.title_source = 'message';
  if (record.last_message_preview !== undefined) summary.last_message_preview = record.last_message_preview;
  if (record.last_emotion !== undefined) summary.last_emotion = record.last_emotion;
  return summary;
}

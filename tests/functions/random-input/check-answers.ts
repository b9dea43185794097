/**
 * How the bad-input properties judge an answer: a valid reply or a structured error of a known code
 * (over HTTP, with that code's status), and which codes a request may get.
 */
import { expect } from 'vitest';
import * as z from 'zod/mini';
import { errorStatusByCode } from '../../../shared/errors/app-error.js';
import type { HttpResponse } from '../../../shared/http/http-event.js';
import { idPattern } from '../../../shared/storage/session-document.js';

const errorCodes = Object.keys(errorStatusByCode) as (keyof typeof errorStatusByCode)[];
const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(errorCodes as [keyof typeof errorStatusByCode, ...(keyof typeof errorStatusByCode)[]]),
    message: z.string().check(z.minLength(1)),
    retryable: z.boolean(),
    field: z.optional(z.string().check(z.minLength(1))),
    retry_after_seconds: z.optional(z.number().check(z.gte(0))),
  }),
  // An error of a turn under crisis care carries the hotline card too (docs/api.md): random text can
  // score medium on the classifier, and care then persists for a few turns of that session.
  safety: z.optional(
    z.strictObject({
      level: z.enum(['medium', 'high']),
      resources: z
        .array(
          z.strictObject({
            name: z.string().check(z.minLength(1)),
            phone: z.string().check(z.minLength(1)),
            note: z.optional(z.string()),
          }),
        )
        .check(z.minLength(1)),
    }),
  ),
});
type ErrorBody = z.infer<typeof errorBodySchema>;
export const chatReplySchema = z.object({
  message_id: z.string().check(z.minLength(1)),
  content: z.string().check(z.minLength(1)),
  emotion: z.string().check(z.minLength(1)),
  timestamp: z.iso.datetime({ offset: true }),
  session_id: z.string().check(z.regex(idPattern)),
  user_message_id: z.string().check(z.minLength(1)),
  client_msg_id: z.string().check(z.minLength(1)),
});
export type ChatReply = z.infer<typeof chatReplySchema>;
export const historyReplySchema = z.object({
  session_id: z.string().check(z.regex(idPattern)),
  has_more: z.boolean(),
  messages: z.array(
    z.object({
      message_id: z.string().check(z.minLength(1)),
      role: z.enum(['user', 'agent']),
      content: z.string(),
      timestamp: z.string(),
      emotion: z.optional(z.string()),
      status: z.optional(z.enum(['pending', 'complete', 'failed', 'blocked'])),
      client_msg_id: z.optional(z.string()),
      reply_to: z.optional(z.string()),
    }),
  ),
});

export type Outcome<Reply> = { kind: 'reply'; reply: Reply } | { kind: 'error'; error: ErrorBody['error'] };

/**
 * Checks one answer and returns what it was. An answer that is neither a valid reply nor a structured
 * error fails the property with the answer in the message.
 */
export function classify<Reply>(
  answer: unknown,
  replySchema: z.ZodMiniType<Reply>,
  http: boolean,
): Outcome<Reply> {
  let payload = answer;
  let status: number | undefined;
  if (http) {
    const response = answer as HttpResponse;
    expect(response, 'an HTTP response object').toMatchObject({
      statusCode: expect.any(Number),
      headers: expect.objectContaining({ 'content-type': 'application/json; charset=utf-8' }),
      body: expect.any(String),
      isBase64Encoded: false,
    });
    status = response.statusCode;
    payload = JSON.parse(response.body);
  }
  const asError = errorBodySchema.safeParse(payload);
  if (asError.success) {
    const { error } = asError.data;
    if (http) {
      expect(status, `status of ${error.code}`).toBe(errorStatusByCode[error.code]);
      if (error.code === 'METHOD_NOT_ALLOWED')
        expect((answer as HttpResponse).headers.allow).toMatch(/^(GET|POST)(, (GET|POST))*$/);
    }
    return { kind: 'error', error };
  }
  const asReply = replySchema.safeParse(payload);
  if (!asReply.success) {
    throw new Error(`neither a reply nor a structured error: ${JSON.stringify(answer).slice(0, 500)}`);
  }
  if (http) expect(status).toBe(200);
  return { kind: 'reply', reply: asReply.data };
}

/** Codes an (almost) valid request may not get: the request's own validity is not in question there. */
export const inputErrorCodes = new Set([
  'INVALID_JSON',
  'INVALID_INPUT',
  'MESSAGE_EMPTY',
  'MESSAGE_TOO_LONG',
  'HISTORY_TOO_LONG',
  'INVALID_ID',
  'INVALID_TIMESTAMP',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHENTICATED',
]);
/** Codes no input may cause: they mean our code or our storage broke. */
export const brokenCodes = new Set(['INTERNAL', 'STORAGE_UNAVAILABLE', 'CONFIG_INVALID']);
export const modelFailureCodes = new Set([
  'LLM_UPSTREAM_ERROR',
  'LLM_BAD_RESPONSE',
  'LLM_UNAVAILABLE',
  'LLM_TIMEOUT',
]);
/** Codes after which the user's words are kept: the model failed, or content security held the turn. */
export const wordsKeptCodes = new Set([...modelFailureCodes, 'CONTENT_BLOCKED']);

/**
 * Property-based tests: thousands of random and malformed events and HTTP access requests go to both
 * functions, against both storage adapters. Whatever arrives, `main` resolves (never throws) within the
 * deadline, with a valid reply or a structured error (and, over HTTP, the status of that error's code);
 * only what valid requests sent is ever stored; and no message text reaches the log.
 *
 * Valid requests are a known subset: every field is drawn either from a "valid" arbitrary or from a "bad"
 * one, and each message a valid request can carry has a unique tag, so the stored messages can be
 * checked against exactly the requests that were accepted.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { errorStatusByCode } from '../../shared/errors/app-error.js';
import { type HttpResponse, isHttpEvent } from '../../shared/http/http-event.js';
import { usageDocumentSchema } from '../../shared/limits/usage-document.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { idPattern, sessionDocumentSchema } from '../../shared/storage/session-document.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import {
  startTestServices,
  TEST_COLLECTION,
  type TestServices,
  weChatContext,
} from '../support/test-services.js';

const CHAT_DEADLINE_MS = 3_000;
const MAX_SESSION_MESSAGES = 16;
const environmentExtra = {
  CHAT_DEADLINE_MS: String(CHAT_DEADLINE_MS),
  STORAGE_RESERVE_MS: '1000',
  CLOUDBASE_TIMEOUT_MS: '1000',
  LLM_MAX_ATTEMPTS: '1',
  LLM_STREAM: 'false',
  MAX_SESSION_MESSAGES: String(MAX_SESSION_MESSAGES),
  LOG_LEVEL: 'debug',
  // Per-user limits off: the small id pools would otherwise turn most valid sends into 429s.
  RATE_LIMIT_PER_MINUTE: '0',
  DAILY_MESSAGE_QUOTA: '0',
  DAILY_TOKEN_QUOTA: '0',
};
/** Runs per property and adapter; PROPERTY_RUNS overrides them all (e.g. for a long soak). */
const runs = (count: number) => Number(process.env.PROPERTY_RUNS ?? count);

// ---------------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------------

/** A value for one field, and whether it came from the valid arbitrary. Absent fields have no value. */
interface Part {
  present: boolean;
  value?: unknown;
  ok: boolean;
}

function field(
  valid: fc.Arbitrary<unknown>,
  bad: fc.Arbitrary<unknown>,
  options: { optional: boolean },
): fc.Arbitrary<Part> {
  return fc.oneof(
    { weight: 12, arbitrary: valid.map((value): Part => ({ present: true, value, ok: true })) },
    { weight: 2, arbitrary: bad.map((value): Part => ({ present: true, value, ok: false })) },
    { weight: 1, arbitrary: fc.constant<Part>({ present: false, ok: options.optional }) },
  );
}

/** A request object, with what is wrong with it (`key` for a bad value, `key:missing` for an absent one). */
interface Request {
  body: Record<string, unknown>;
  problems: string[];
}

function assemble(parts: Record<string, Part>, extra: Record<string, unknown>): Request {
  const body: Record<string, unknown> = { ...extra };
  const problems: string[] = [];
  for (const [key, part] of Object.entries(parts)) {
    if (part.present) body[key] = part.value;
    if (!part.ok) problems.push(part.present ? key : `${key}:missing`);
  }
  return { body, problems };
}

/** Whether a request is valid as the function sees it: a WeChat OPENID stands in for a missing user_id. */
function isValid(request: Request, context: ContextCase): boolean {
  return (
    context.ok &&
    request.problems.every((problem) => problem === 'user_id:missing' && context.openId !== undefined)
  );
}

/** A JSON round trip: what the platform actually delivers of a value. */
function viaJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
}

const nonStrings = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

const loneSurrogates = fc.constantFrom('\ud800', '\udfff', 'a\udc00b', '\ud83d');
const controlCharacters = fc
  .array(fc.integer({ min: 0, max: 0x1f }), { minLength: 1, maxLength: 5 })
  .map((codes) => String.fromCharCode(...codes));
const oddUnicode = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '😀',
    '👩‍👩‍👧‍👦',
    '🇨🇳',
    '你好，我今天感觉不太好',
    'e\u0301',
    '\u202etxt',
    '\u0000',
    '\ufeff',
  ),
  loneSurrogates,
  controlCharacters,
);

// Ids: small pools, so sessions fill up, resends meet their first send and sessions are shared.
const validUserId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('u1', 'u2', 'user_A-9', 'sessions', 'usage') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
);
const validSessionId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('s1', 's2', 's3', 'session-4', 'CON') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
);
const badId = fc
  .oneof(
    fc.constantFrom(
      '',
      '.',
      '..',
      '../etc',
      '../../passwd',
      '..\\..\\windows',
      'a/b',
      '/abs',
      's1/../s2',
      'x'.repeat(65),
      ' s1',
      's1 ',
      's1\n',
      's1\u0000',
      '会话',
      '😀',
      'sessions.json',
      '__proto__.x',
    ),
    oddUnicode,
    fc.string({ maxLength: 80 }),
    nonStrings,
  )
  .filter((value) => typeof value !== 'string' || !idPattern.test(value));

/** A unique tag per valid message, so a stored message names the one request that sent it. */
const tag = fc
  .tuple(fc.constantFrom('ok', 'ok', 'ok', 'ok', 'fail'), fc.stringMatching(/^[a-z0-9]{12}$/))
  .map(([kind, id]) => `⟨${kind}:${id}⟩`);
const validMessage = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(tag, oddUnicode).map(([label, text]) => `${label} ${text}`) },
  // 1,999 astral characters: 3,998 UTF-16 units, still under 2,000 characters.
  { weight: 1, arbitrary: tag.map((label) => `${label}${'😀'.repeat(2_000 - [...label].length)}`) },
  { weight: 1, arbitrary: tag.map((label) => `${label}\n\t  ${'好'.repeat(1_000)}  `) },
);
const whitespace = fc
  .array(fc.constantFrom(' ', '\t', '\n', '\r', '\u3000', '\u00a0', '\ufeff', '\u2028', '\v'), {
    maxLength: 20,
  })
  .map((characters) => characters.join(''));
const badMessage = fc.oneof(
  whitespace,
  tag.map((label) => `${label}${'x'.repeat(2_001)}`),
  tag.map((label) => `${label}${'😀'.repeat(2_001)}`),
  fc.integer({ min: 2_001, max: 20_000 }).map((length) => `⟨big⟩${'长'.repeat(length)}`),
  fc.integer({ min: 513 * 1024, max: 700 * 1024 }).map((length) => `⟨huge⟩${'a'.repeat(length)}`),
  nonStrings,
);

const validTimestamp = fc.oneof(
  fc
    .date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString()),
  fc.constantFrom('2023-04-01T12:00:00Z', '2023-04-01T12:00:00+08:00', '2023-04-01T12:00:00.123-05:30'),
);
const badTimestamp = fc.oneof(
  fc.constantFrom(
    '',
    'yesterday',
    '2023-04-01T12:00:00',
    '2023-04-01',
    '2023-13-01T00:00:00Z',
    '2023-04-01T25:00:00Z',
    '2023-04-01 12:00:00Z',
    'Sat, 01 Apr 2023 12:00:00 GMT',
    '1680350400',
    '2023-04-01T12:00:00ZZ',
    '+275760-09-13T00:00:00.001Z',
  ),
  oddUnicode,
  nonStrings,
);

const validClientMsgId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('c-1', 'c-2', 'c-3') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
);

const validHistoryItem = fc
  .record(
    {
      role: fc.constantFrom('user', 'agent'),
      content: fc.tuple(tag, oddUnicode).map(([label, text]) => `${label}${text}`),
      timestamp: validTimestamp,
    },
    { requiredKeys: ['role', 'content'] },
  )
  .map((item) => item as unknown);
const badHistoryItem = fc.oneof(
  fc.record({ role: fc.constantFrom('assistant', 'system', 'USER', '', 'tool'), content: fc.constant('嗨') }),
  fc.record({ role: fc.constant('user'), content: fc.oneof(whitespace, nonStrings) }),
  fc.record({ role: fc.constant('agent'), content: fc.constant('y'.repeat(4_001)) }),
  fc.record({ role: fc.constant('user'), content: fc.constant('嗨'), timestamp: badTimestamp }),
  fc.record({ content: fc.constant('no role') }),
  nonStrings,
);
const validHistory = fc.array(validHistoryItem, { maxLength: 5 });
const badHistory = fc.oneof(
  // One bad item among valid ones.
  fc
    .tuple(validHistory, badHistoryItem, fc.nat())
    .map(([items, bad, at]) => items.toSpliced(at % (items.length + 1), 0, bad)),
  // Too many items, up to many thousands.
  fc
    .integer({ min: 51, max: 20_000 })
    .map((length) => Array.from({ length }, (_, index) => ({ role: 'user', content: `h${index}` }))),
  fc.constantFrom('[]', 'history', 42, null, {}, { 0: { role: 'user', content: 'x' }, length: 1 }),
);

const knownChatKeys = new Set(['user_id', 'session_id', 'message', 'timestamp', 'client_msg_id', 'history']);
const extraKeys = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'userId', 'openid')),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 3 },
);
const withoutKnownKeys = (keys: ReadonlySet<string>) => (extra: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(extra).filter(([key]) => !keys.has(key)));

/** Chat bodies that are valid, or almost: each field valid, of the wrong type, odd, or missing. */
const chatBody = fc
  .record({
    parts: fc.record({
      user_id: field(validUserId, badId, { optional: false }),
      session_id: field(validSessionId, badId, { optional: false }),
      message: field(validMessage, badMessage, { optional: false }),
      timestamp: field(validTimestamp, badTimestamp, { optional: true }),
      client_msg_id: field(validClientMsgId, badId, { optional: true }),
      history: field(validHistory, badHistory, { optional: true }),
    }),
    extra: extraKeys.map(withoutKnownKeys(knownChatKeys)),
  })
  .map(({ parts, extra }) => assemble(parts, extra));

const validLimit = fc.oneof(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 }).map(String));
const badLimit = fc.oneof(
  fc.constantFrom(0, -1, 501, 1.5, '', 'abc', '1.5', '0', 'NaN', 'Infinity', 1e21, null, {}, '501'),
  fc.integer({ min: 501 }),
  fc.integer({ max: 0 }),
);
const validBefore = fc.oneof(
  fc.stringMatching(/^msg_[0-9a-f]{20}$/),
  fc.string({ minLength: 1, maxLength: 64 }),
);
const badBefore = fc.oneof(
  fc.constantFrom('', 'x'.repeat(65)),
  fc.integer(),
  fc.constant(null),
  fc.constant([]),
);
const badAction = fc.oneof(
  fc.constantFrom('', 'MESSAGES', 'message', 'delete', 'toString', '__proto__', 'hasOwnProperty'),
  nonStrings,
);
const historyBody = fc
  .record({
    parts: fc.record({
      user_id: field(validUserId, badId, { optional: false }),
      session_id: field(validSessionId, badId, { optional: false }),
      limit: field(validLimit, badLimit, { optional: true }),
      before: field(validBefore, badBefore, { optional: true }),
      // The read action by name; other actions (listings, export, deletions) are not generated here.
      action: field(fc.constant('messages'), badAction, { optional: true }),
    }),
    extra: extraKeys.map(withoutKnownKeys(new Set(['user_id', 'session_id', 'limit', 'before', 'action']))),
  })
  .map(({ parts, extra }) => assemble(parts, extra));

/** The invocation context: nothing, junk, or a WeChat context whose OPENID is valid, odd or empty. */
interface ContextCase {
  context: unknown;
  /** The user the function should see: the OPENID when there is a usable one, else the body's. */
  openId: string | undefined;
  ok: boolean;
}
const contextCase: fc.Arbitrary<ContextCase> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<ContextCase>({ context: undefined, openId: undefined, ok: true }) },
  {
    weight: 2,
    arbitrary: fc
      .anything({ maxDepth: 2 })
      .filter(
        (value) =>
          typeof value !== 'object' ||
          value === null ||
          (typeof (value as Record<string, unknown>).environ !== 'string' &&
            typeof (value as Record<string, unknown>).environment !== 'string'),
      )
      .map((context): ContextCase => ({ context, openId: undefined, ok: true })),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ maxLength: 60 })
      .filter((environ) => !environ.includes('WX_OPENID'))
      .map((environ): ContextCase => ({ context: { environ }, openId: undefined, ok: true })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('o_AbC123', 'oXyZ-9_8')
      .map((openId): ContextCase => ({ context: weChatContext(openId), openId, ok: true })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('../etc', 'o AbC', '会话', 'x'.repeat(65), 'a=b')
      .map((openId): ContextCase => ({ context: weChatContext(openId), openId, ok: false })),
  },
  // An empty OPENID carries no identity: the body's user_id is used.
  {
    weight: 1,
    arbitrary: fc.constant<ContextCase>({ context: weChatContext(''), openId: undefined, ok: true }),
  },
);

/** Any JSON value, including non-object events, and whatever `fc.anything` makes that survives JSON. */
const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc
    .anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true, withSparseArray: true })
    .map(viaJson)
    .filter((value) => value !== undefined),
  fc.constantFrom(null, 0, -1, '', 'chat', [], [{}], true, {}),
  // Far deeper than any request: recursive code (JSON.stringify, a validator) must never meet it.
  fc
    .tuple(fc.integer({ min: 33, max: 2_000 }), fc.boolean())
    .map(([depth, asArray]) =>
      Array.from({ length: depth }).reduce<unknown>(
        (inner) => (asArray ? [inner] : { message: inner }),
        '你好',
      ),
    ),
);

/** An HTTP access event: a route (right, wrong, prefixed), a method, a body, maybe base64-encoded. */
interface HttpCase {
  event: Record<string, unknown>;
  /** The request the function decodes, when it is one of our (almost) valid request objects. */
  request: Request | undefined;
  /** Whether path and method are this function's. */
  routed: boolean;
}
function httpCase(
  route: string,
  method: 'GET' | 'POST',
  requests: fc.Arbitrary<Request>,
): fc.Arbitrary<HttpCase> {
  const path = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(route, `${route}/`, `/prefix${route}`, `${route}//`) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.constantFrom('/', '', '/api', '/api/chat/history/x', `${route}/../x`, `${route}?x=1`, '/API/CHAT'),
        fc.string({ maxLength: 30 }),
      ),
    },
  );
  const httpMethod = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(method, method.toLowerCase()) },
    {
      weight: 2,
      arbitrary: fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', ''), fc.string()),
    },
  );
  const headers = fc.oneof(
    fc.constant({ 'content-type': 'application/json' }),
    fc.constant(null),
    fc.constant(undefined),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
  );
  // What carries the request: the JSON body (POST) or the query string (GET), or junk in its place.
  const payload = fc.oneof(
    { weight: 6, arbitrary: requests },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.constantFrom(
          '',
          ' ',
          '{',
          '{"a":',
          'null',
          '[]',
          '"text"',
          '12',
          '\u0000',
          '{"message":"\ud800"}',
        ),
        anyJson.map((value) => JSON.stringify(value)),
        // A byte-order mark before, or garbage after, an otherwise valid body.
        requests.map((request) => `\ufeff${JSON.stringify(request.body)}`),
        requests.map((request) => `${JSON.stringify(request.body)}}`),
      ),
    },
  );
  const query = fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
  );
  return fc
    .record({
      path,
      httpMethod,
      headers,
      payload,
      base64: fc.option(fc.boolean(), { nil: undefined }),
      // Now and then the flag lies: a base64 body declared plain, or a plain one declared base64.
      flagLies: fc.nat({ max: 9 }).map((roll) => roll === 0),
      query,
    })
    .map((drawn): HttpCase => {
      const trimmed = drawn.path.length > 1 ? drawn.path.replace(/\/+$/, '') : drawn.path;
      const routed = drawn.httpMethod.toUpperCase() === method && trimmed.endsWith(route);
      const event: Record<string, unknown> = { path: drawn.path, httpMethod: drawn.httpMethod };
      if (drawn.headers !== undefined) event.headers = drawn.headers;
      if (drawn.base64 !== undefined) event.isBase64Encoded = drawn.base64;
      const carried = drawn.payload;
      if (drawn.flagLies && method === 'POST') {
        const text = typeof carried === 'string' ? carried : JSON.stringify(carried.body);
        event.isBase64Encoded = !drawn.base64;
        event.body = encode(text, drawn.base64);
        return { event, request: undefined, routed };
      }
      if (typeof carried === 'string') {
        event.queryStringParameters = drawn.query;
        event.body = method === 'GET' ? null : encode(carried, drawn.base64);
        return { event, request: undefined, routed };
      }
      if (method === 'POST') {
        event.queryStringParameters = drawn.query;
        event.body = encode(JSON.stringify(carried.body), drawn.base64);
        const body = viaJson(carried.body) as Record<string, unknown>;
        return { event, request: { body, problems: carried.problems }, routed };
      }
      // Query strings carry only strings: a value that was not one no longer is what its part said.
      const stringified = Object.entries(carried.body).filter(
        ([key, value]) => typeof value !== 'string' && !(key === 'limit' && typeof value === 'number'),
      );
      const body = Object.fromEntries(
        Object.entries(carried.body).map(([key, value]) => [
          key,
          typeof value === 'string' ? value : (JSON.stringify(value) ?? ''),
        ]),
      );
      event.queryStringParameters = body;
      event.body = null;
      const problems = [...carried.problems, ...stringified.map(([key]) => `${key}:stringified`)];
      return { event, request: { body, problems }, routed };
    });
}

function encode(text: string, base64: boolean | undefined): string {
  return base64 ? Buffer.from(text, 'utf8').toString('base64') : text;
}

/** Events that look like HTTP access events but are not what CloudBase sends (any JSON per field). */
const httpLookalike = fc
  .record(
    {
      path: fc.oneof(fc.constantFrom('/api/chat', '/api/chat/history'), fc.string({ maxLength: 20 })),
      httpMethod: fc.oneof(fc.constantFrom('POST', 'GET'), fc.string({ maxLength: 8 })),
      headers: anyJson,
      queryStringParameters: anyJson,
      body: anyJson,
      isBase64Encoded: anyJson,
    },
    { requiredKeys: ['path', 'httpMethod'] },
  )
  .map(viaJson);

// ---------------------------------------------------------------------------------------------------
// Checking answers
// ---------------------------------------------------------------------------------------------------

const errorCodes = Object.keys(errorStatusByCode) as (keyof typeof errorStatusByCode)[];
const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(errorCodes as [keyof typeof errorStatusByCode, ...(keyof typeof errorStatusByCode)[]]),
    message: z.string().check(z.minLength(1)),
    retryable: z.boolean(),
    field: z.optional(z.string().check(z.minLength(1))),
    retry_after_seconds: z.optional(z.number().check(z.gte(0))),
  }),
});
type ErrorBody = z.infer<typeof errorBodySchema>;
const chatReplySchema = z.object({
  message_id: z.string().check(z.minLength(1)),
  content: z.string().check(z.minLength(1)),
  emotion: z.string().check(z.minLength(1)),
  timestamp: z.iso.datetime({ offset: true }),
  session_id: z.string().check(z.regex(idPattern)),
  user_message_id: z.string().check(z.minLength(1)),
  client_msg_id: z.string().check(z.minLength(1)),
});
type ChatReply = z.infer<typeof chatReplySchema>;
const historyReplySchema = z.object({
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

type Outcome<Reply> = { kind: 'reply'; reply: Reply } | { kind: 'error'; error: ErrorBody['error'] };

/**
 * Checks one answer and returns what it was. An answer that is neither a valid reply nor a structured
 * error fails the property with the answer in the message.
 */
function classify<Reply>(answer: unknown, replySchema: z.ZodMiniType<Reply>, http: boolean): Outcome<Reply> {
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
const inputErrorCodes = new Set([
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
const brokenCodes = new Set(['INTERNAL', 'STORAGE_UNAVAILABLE', 'CONFIG_INVALID']);
const modelFailureCodes = new Set([
  'LLM_UPSTREAM_ERROR',
  'LLM_BAD_RESPONSE',
  'LLM_UNAVAILABLE',
  'LLM_TIMEOUT',
]);
/** Codes after which the user's words are kept: the model failed, or content security held the turn. */
const wordsKeptCodes = new Set([...modelFailureCodes, 'CONTENT_BLOCKED']);

// ---------------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------------

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

describe.each(adaptersUnderTest(() => services))('random and malformed input ($name adapter)', (adapter) => {
  /** Every message text a request that was accepted may have stored, per `user/session`. */
  const accepted = new Map<string, Set<string>>();
  /** Every successful chat reply, with the message that produced it. */
  const answered: { key: string; message: string; reply: ChatReply }[] = [];
  /** Message tags of every chat request sent, accepted or not: none may reach a log line. */
  const sentTags = new Set<string>();
  const logLines: string[] = [];
  const codesSeen = new Map<string, number>();
  let chat: (event: unknown, context?: unknown) => Promise<unknown>;
  let history: (event: unknown, context?: unknown) => Promise<unknown>;

  beforeAll(async () => {
    await adapter.reset();
    services.model.reset();
    // The model answers at once; a message tagged `fail` makes it fail, so the turn is stored as failed.
    services.model.setDefault((body) => {
      const messages = body.messages as { content: string }[];
      return (messages.at(-1)?.content ?? '').includes('⟨fail:')
        ? { kind: 'error', status: 503 }
        : { kind: 'reply', content: '[caring] 我在这里听你说。' };
    });
    const environment = adapter.environment(environmentExtra);
    const logger = createLogger('debug', (line) => logLines.push(line));
    chat = createFunctionHandler(chatEndpoint, { environment, overrides: { logger } });
    history = createFunctionHandler(historyEndpoint, { environment, overrides: { logger } });
  });
  afterAll(async () => {
    console.info(`${adapter.name}: outcomes`, Object.fromEntries([...codesSeen].sort()));
    await adapter.cleanup();
  });

  function note(outcome: Outcome<unknown>) {
    const code = outcome.kind === 'reply' ? 'ok' : outcome.error.code;
    codesSeen.set(code, (codesSeen.get(code) ?? 0) + 1);
    if (outcome.kind === 'error') {
      expect(brokenCodes.has(outcome.error.code), outcome.error.code).toBe(false);
    }
  }

  /** Calls `main` and checks it resolved, in time. */
  async function call(main: typeof chat, event: unknown, context: unknown): Promise<unknown> {
    const startedAt = performance.now();
    const answer = await main(event, context);
    expect(performance.now() - startedAt).toBeLessThan(CHAT_DEADLINE_MS + 1_000);
    return answer;
  }

  function collectTags(body: unknown) {
    for (const match of JSON.stringify(body ?? null).matchAll(/⟨(?:ok|fail):[a-z0-9]{12}⟩/g)) {
      sentTags.add(match[0]);
    }
  }

  /** Records what an accepted chat request may have stored, and checks the answer fits the request. */
  function recordChat(request: Request, contextUsed: ContextCase, outcome: Outcome<ChatReply>) {
    const { body } = request;
    const userId = contextUsed.openId ?? body.user_id;
    const key = `${String(userId)}/${String(body.session_id)}`;
    const wordsKept = outcome.kind === 'error' && wordsKeptCodes.has(outcome.error.code);
    if (outcome.kind === 'reply' || wordsKept) {
      const texts = accepted.get(key) ?? new Set<string>();
      accepted.set(key, texts);
      texts.add(String(body.message));
      for (const item of Array.isArray(body.history) ? body.history : []) {
        texts.add(String((item as { content: unknown }).content));
      }
    }
    if (outcome.kind === 'error' && modelFailureCodes.has(outcome.error.code)) {
      // The model fails only for messages tagged so.
      expect(String(body.message)).toContain('⟨fail:');
    }
    if (outcome.kind === 'reply') {
      answered.push({ key, message: String(body.message), reply: outcome.reply });
      expect(outcome.reply.session_id).toBe(body.session_id);
      if (typeof body.client_msg_id === 'string')
        expect(outcome.reply.client_msg_id).toBe(body.client_msg_id);
    }
    if (isValid(request, contextUsed)) {
      // A valid request is refused only for what it cannot know: a full session, a reused client id.
      if (outcome.kind === 'error') {
        expect(inputErrorCodes.has(outcome.error.code), `valid request got ${outcome.error.code}`).toBe(
          false,
        );
      }
    } else if (outcome.kind === 'reply') {
      throw new Error(
        `a request with problems ${request.problems.join(', ')} was answered: ${JSON.stringify(body).slice(0, 300)}`,
      );
    }
  }

  it('chat through callFunction: always a reply or a structured error, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(chatBody, contextCase, async (request, contextUsed) => {
        const body = viaJson(request.body) as Record<string, unknown>;
        collectTags(body);
        const outcome = classify(await call(chat, body, contextUsed.context), chatReplySchema, false);
        note(outcome);
        recordChat({ body, problems: request.problems }, contextUsed, outcome);
      }),
      { numRuns: runs(800) },
    );
  });

  it('chat through HTTP access: the status matches the code, the body is JSON of the same shape', async () => {
    const noContext: ContextCase = { context: undefined, openId: undefined, ok: true };
    await fc.assert(
      fc.asyncProperty(httpCase('/api/chat', 'POST', chatBody), async ({ event, request, routed }) => {
        collectTags(event.body);
        if (typeof event.body === 'string') collectTags(Buffer.from(event.body, 'base64').toString('utf8'));
        const outcome = classify(await call(chat, event, undefined), chatReplySchema, true);
        note(outcome);
        if (!routed) {
          expect(outcome.kind === 'error' ? outcome.error.code : 'ok').toMatch(
            /^(NOT_FOUND|METHOD_NOT_ALLOWED)$/,
          );
        } else if (request !== undefined) {
          recordChat(request, noContext, outcome);
        } else {
          expect(outcome.kind).toBe('error');
        }
      }),
      { numRuns: runs(500) },
    );
  });

  it('history through callFunction and HTTP: a valid history reply or a structured error', async () => {
    const noContext: ContextCase = { context: undefined, openId: undefined, ok: true };
    const anyHistoryCall = fc.oneof(
      fc.record({ request: historyBody, context: contextCase }).map(({ request, context }) => ({
        http: false,
        event: viaJson(request.body) as Record<string, unknown>,
        query: viaJson(request.body) as Record<string, unknown>,
        valid: isValid(request, context),
        context: context.context,
      })),
      httpCase('/api/chat/history', 'GET', historyBody).map(({ event, request, routed }) => ({
        http: true,
        event,
        query: (event.queryStringParameters ?? {}) as Record<string, unknown>,
        valid: routed && request !== undefined && isValid(request, noContext),
        context: undefined,
      })),
    );
    await fc.assert(
      fc.asyncProperty(anyHistoryCall, async ({ http, event, query, valid, context }) => {
        const outcome = classify(await call(history, event, context), historyReplySchema, http);
        note(outcome);
        if (valid) expect(outcome.kind, JSON.stringify(outcome)).toBe('reply');
        if (outcome.kind === 'reply') {
          expect(outcome.reply.session_id).toBe(query.session_id);
          expect(outcome.reply.messages.length).toBeLessThanOrEqual(Number(query.limit ?? 200));
        }
      }),
      { numRuns: runs(500) },
    );
  });

  it('any JSON event or HTTP look-alike, to either function: a structured answer, nothing stored', async () => {
    const before = await storedSessions();
    const event = fc.oneof(anyJson, httpLookalike);
    await fc.assert(
      fc.asyncProperty(
        event,
        fc.constantFrom('chat', 'history'),
        contextCase,
        async (value, name, contextUsed) => {
          const main = name === 'chat' ? chat : history;
          const answer = await call(main, value, contextUsed.context);
          const outcome =
            name === 'chat'
              ? classify(answer, chatReplySchema, isHttpEvent(value))
              : classify(answer, historyReplySchema, isHttpEvent(value));
          note(outcome);
          // Random JSON is never a valid chat request (a message would need its tag and valid ids).
          if (name === 'chat') expect(outcome.kind).toBe('error');
        },
      ),
      { numRuns: runs(600) },
    );
    expect(await storedSessions()).toEqual(before);
  });

  it('stores only what accepted requests sent: every document valid, every answered turn present', async () => {
    const documents = await storedSessions();
    expect(
      answered.length,
      'enough valid requests were answered to make the check meaningful',
    ).toBeGreaterThan(50);
    const byMessageId = new Map<string, { key: string; message: Record<string, unknown> }>();
    for (const [key, document] of documents) {
      expect(document.message_count, key).toBe(document.messages.length);
      expect(document.message_count, key).toBeLessThanOrEqual(MAX_SESSION_MESSAGES);
      const texts = accepted.get(key) ?? new Set<string>();
      for (const message of document.messages) {
        expect(byMessageId.has(message.message_id), `message id ${message.message_id} stored twice`).toBe(
          false,
        );
        byMessageId.set(message.message_id, { key, message });
        if (message.role === 'user' || message.reply_to === undefined) {
          expect(
            texts.has(message.content),
            `${key} holds text no accepted request sent: ${message.content.slice(0, 80)}`,
          ).toBe(true);
        }
      }
      const clientIds = document.messages.flatMap((message) =>
        message.role === 'user' && message.client_msg_id !== undefined ? [message.client_msg_id] : [],
      );
      expect(new Set(clientIds).size, `${key}: a client_msg_id stored twice`).toBe(clientIds.length);
    }
    for (const { key, message, reply } of answered) {
      const question = byMessageId.get(reply.user_message_id);
      const answer = byMessageId.get(reply.message_id);
      expect(question?.key).toBe(key);
      expect(question?.message.content).toBe(message);
      expect(answer?.message).toMatchObject({
        role: 'agent',
        content: reply.content,
        reply_to: reply.user_message_id,
      });
    }
  });

  it('writes no message text to the log', () => {
    expect(sentTags.size).toBeGreaterThan(100);
    const leaked = logLines.filter((line) => [...line.matchAll(/⟨(?:ok|fail):[a-z0-9]{12}⟩/g)].length > 0);
    expect(leaked).toEqual([]);
  });

  /** Every stored session, validated, by `user/session`. */
  async function storedSessions(): Promise<Map<string, z.infer<typeof sessionDocumentSchema>>> {
    const sessions = new Map<string, z.infer<typeof sessionDocumentSchema>>();
    if (adapter.name === 'cloudbase') {
      for (const raw of services.emulator.documents(TEST_COLLECTION)) {
        const document = sessionDocumentSchema.parse(raw);
        const expectedId = `s_${createHash('sha256').update(`${document.user_id}\n${document.session_id}`).digest('hex').slice(0, 40)}`;
        expect(raw._id).toBe(expectedId);
        sessions.set(`${document.user_id}/${document.session_id}`, document);
      }
      return sessions;
    }
    const dataDir = adapter.environment().DATA_DIR as string;
    const files = (await readdir(dataDir, { recursive: true })).sort();
    const index = sessionIndexSchema.parse(
      JSON.parse(
        await readFile(path.join(dataDir, 'sessions.json'), 'utf8').catch(
          () => '{"schema_version":1,"sessions":{}}',
        ),
      ),
    );
    for (const file of files) {
      const full = path.join(dataDir, file);
      if (file === 'sessions.json' || !file.endsWith('.json')) {
        // Sequential calls leave no lock or temp file behind.
        expect(file.endsWith('.lock') || file.endsWith('.tmp') || file.endsWith('.takeover'), file).toBe(
          false,
        );
        continue;
      }
      if (/^usage[/\\][^/\\]+[/\\][^/\\]+\.json$/.test(file)) {
        // The usage counters' files (DATA_DIR/usage/<user_id>/<day>.json), beside the sessions of a user
        // called `usage` (DATA_DIR/usage/<session_id>.json).
        usageDocumentSchema.parse(JSON.parse(await readFile(full, 'utf8')));
        continue;
      }
      const parsed = sessionDocumentSchema.safeParse(JSON.parse(await readFile(full, 'utf8')));
      if (!parsed.success)
        throw new Error(`${file} is not a valid session document: ${parsed.error.message}`);
      const document = parsed.data;
      const key = `${document.user_id}/${document.session_id}`;
      expect(file).toBe(path.join(document.user_id, `${document.session_id}.json`));
      expect(index.sessions[key], `${key} is in sessions.json`).toMatchObject({
        user_id: document.user_id,
        session_id: document.session_id,
      });
      sessions.set(key, document);
    }
    expect(Object.keys(index.sessions).sort()).toEqual([...sessions.keys()].sort());
    return sessions;
  }
});

const sessionIndexSchema = z.object({
  schema_version: z.literal(1),
  sessions: z.record(
    z.string(),
    z.object({ user_id: z.string(), session_id: z.string(), created_at: z.string() }),
  ),
});

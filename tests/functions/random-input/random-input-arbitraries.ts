/**
 * The random and malformed input of the bad-input properties: request objects in which every field is
 * drawn either from a "valid" arbitrary or from a "bad" one (so a request's validity is known), the
 * invocation contexts, HTTP access events around them, and any JSON at all.
 */
import fc from 'fast-check';
import { idPattern } from '../../../shared/storage/session-document.js';
import { weChatContext } from '../../support/test-services.js';

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
export interface Request {
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
export function isValid(request: Request, context: ContextCase): boolean {
  return (
    context.ok &&
    request.problems.every((problem) => problem === 'user_id:missing' && context.openId !== undefined)
  );
}

/** A JSON round trip: what the platform actually delivers of a value. */
export function viaJson(value: unknown): unknown {
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
export const chatBody = fc
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
export const historyBody = fc
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
export interface ContextCase {
  context: unknown;
  /** The user the function should see: the OPENID when there is a usable one, else the body's. */
  openId: string | undefined;
  ok: boolean;
}
export const contextCase: fc.Arbitrary<ContextCase> = fc.oneof(
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
export const anyJson = fc.oneof(
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
export interface HttpCase {
  event: Record<string, unknown>;
  /** The request the function decodes, when it is one of our (almost) valid request objects. */
  request: Request | undefined;
  /** Whether path and method are this function's. */
  routed: boolean;
}
export function httpCase(
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
export const httpLookalike = fc
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

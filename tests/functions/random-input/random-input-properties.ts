/**
 * Property-based tests: thousands of random and malformed events and HTTP access requests go to both
 * functions, against one storage adapter (a test file per adapter, so the two run side by side).
 * Whatever arrives, `main` resolves (never throws) within the deadline, with a valid reply or a
 * structured error (and, over HTTP, the status of that error's code); only what valid requests sent is
 * ever stored; and no message text reaches the log.
 *
 * Valid requests are a known subset: every field is drawn either from a "valid" arbitrary or from a "bad"
 * one, and each message a valid request can carry has a unique tag, so the stored messages can be
 * checked against exactly the requests that were accepted (random-input-arbitraries.ts).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { chatEndpoint } from '../../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../../shared/endpoints/history-endpoint.js';
import { isHttpEvent } from '../../../shared/http/http-event.js';
import { usageDocumentSchema } from '../../../shared/limits/usage-document.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { createFunctionHandler } from '../../../shared/runtime/create-function-handler.js';
import { sessionDocumentSchema } from '../../../shared/storage/session-document.js';
import { type AdapterUnderTest, adaptersUnderTest } from '../../support/both-adapters.js';
import { startTestServices, TEST_COLLECTION, type TestServices } from '../../support/test-services.js';
import {
  brokenCodes,
  type ChatReply,
  chatReplySchema,
  classify,
  historyReplySchema,
  inputErrorCodes,
  modelFailureCodes,
  type Outcome,
  wordsKeptCodes,
} from './check-answers.js';
import {
  anyJson,
  type ContextCase,
  chatBody,
  contextCase,
  historyBody,
  httpCase,
  httpLookalike,
  isValid,
  type Request,
  viaJson,
} from './random-input-arbitraries.js';

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
/** Runs per property; PROPERTY_RUNS overrides them all (e.g. for a long soak). */
const runs = (count: number) => Number(process.env.PROPERTY_RUNS ?? count);
/**
 * Hundreds of real turns per property take several seconds alone, and far more than the default 20 s
 * when the machine runs other test files beside them. Each call's own deadline is checked in `call`.
 */
const PROPERTY_TIMEOUT_MS = 120_000;

export function describeRandomInput(adapterName: AdapterUnderTest['name']): void {
  let services: TestServices;
  const adapter = pick(
    adaptersUnderTest(() => services),
    adapterName,
  );
  beforeAll(async () => {
    services = await startTestServices();
  });
  afterAll(async () => {
    await services.close();
  });

  describe(`random and malformed input ('${adapterName}' adapter)`, { timeout: PROPERTY_TIMEOUT_MS }, () => {
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
}

function pick(adapters: AdapterUnderTest[], name: AdapterUnderTest['name']): AdapterUnderTest {
  const found = adapters.find((adapter) => adapter.name === name);
  if (found === undefined) throw new Error(`no adapter ${name}`);
  return found;
}

const sessionIndexSchema = z.object({
  schema_version: z.literal(1),
  sessions: z.record(
    z.string(),
    z.object({ user_id: z.string(), session_id: z.string(), created_at: z.string() }),
  ),
});

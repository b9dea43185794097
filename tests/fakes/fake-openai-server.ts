/**
 * A loopback fake of an OpenAI-compatible Chat Completions server (api.openai.com / DeepSeek).
 *
 * It speaks the real wire formats (JSON bodies, SSE framing, error envelopes, Retry-After) so
 * tests can drive the real `openai` SDK over real sockets instead of mocking `fetch`; only then
 * do timeouts, aborts, truncated streams and split UTF-8 behave as they do in production.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CRISIS_JUDGE_MARKER } from '../../shared/safety/crisis-judge.js';
import { sendReply } from './fake-openai-replies.js';
import { defaultWireError, errorBody, newRequestId } from './fake-openai-wire.js';
import { readRequestBody } from './read-request-body.js';

export interface RecordedChatRequest {
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  path: string;
}

export type FakeReply =
  | {
      kind: 'reply';
      content: string;
      finishReason?: 'stop' | 'length' | 'content_filter';
      /** Omitted: prompt = characters in the messages, completion = characters in content. */
      usage?: { prompt_tokens: number; completion_tokens: number };
      /** Wait this long before the status line, i.e. inside the window the SDK `timeout` covers. */
      delayMs?: number;
      /** DeepSeek-style `: keep-alive` SSE comments (JSON mode: leading blank lines). */
      keepAliveComments?: boolean;
      /**
       * SSE only: `reasoning_content` deltas sent before the content, `gapMs` apart, as reasoning
       * models (deepseek-reasoner) stream their thinking.
       */
      reasoning?: { deltas: string[]; gapMs: number };
      /** SSE only: the content in exactly these pieces (joined, they must equal `content`). */
      deltas?: string[];
      /** SSE only: wait this long before each content delta (a model writing at its own pace). */
      gapMs?: number;
      /** SSE only: called as each content delta starts out on the wire (the bench times the stream). */
      onDelta?: (delta: string) => void;
    }
  | {
      kind: 'error';
      status: number;
      message?: string;
      type?: string;
      code?: string | null;
      retryAfterSeconds?: number;
      headers?: Record<string, string>;
    }
  /** Accept the request and never answer until the client aborts or close() runs. */
  | { kind: 'stall-before-headers' }
  /** 200 + headers (SSE: plus the deltas of partialContent if given), then silence, never ends. */
  | { kind: 'stall-after-headers'; partialContent?: string }
  /**
   * SSE: deltas then the socket is destroyed, no finish_reason or [DONE]. JSON: half a body, then
   * destroyed. `cleanEnd: true` instead ends the HTTP body properly (terminating chunk) without
   * finish_reason/[DONE], as a proxy that times out upstream does; the SDK reacts differently.
   */
  | { kind: 'cut-stream'; partialContent: string; cleanEnd?: boolean }
  /**
   * SSE: deltas of partialContent, then an `error` event in the stream (what OpenAI-compatible
   * providers send when generation fails after the 200), then the stream ends.
   */
  | { kind: 'error-mid-stream'; partialContent: string; status?: number; message?: string }
  /** 200 claiming JSON with a non-JSON body (default: an nginx HTML page); SSE: one `data:` event of it. */
  | { kind: 'invalid-json'; body?: string }
  /** A well-formed completion whose content is "" (SSE: role chunk, finish chunk, no content deltas). */
  | { kind: 'empty-content' }
  /** Reset the socket as soon as the request has been read, without any response bytes. */
  | { kind: 'drop-connection' };

export interface FakeOpenAiServer {
  /** e.g. http://127.0.0.1:PORT/v1, to pass as the OpenAI `baseURL`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  enqueue(...replies: FakeReply[]): void;
  setDefault(reply: FakeReply | ((body: Record<string, unknown>) => FakeReply)): void;
  /** The reply calls: every chat request but the crisis judge's. */
  requests(): readonly RecordedChatRequest[];
  /**
   * The crisis judge's calls (their system prompt starts with its marker) play their own script, by
   * default "no risk", so scripts and counts of reply calls are the same with the judge on or off.
   */
  enqueueJudge(...replies: FakeReply[]): void;
  setJudgeDefault(reply: FakeReply | ((body: Record<string, unknown>) => FakeReply)): void;
  judgeRequests(): readonly RecordedChatRequest[];
  /**
   * The title and memory proposals' calls (their system prompt holds the proposal marker) likewise, by
   * default "no title, nothing to remember", so they never take a reply call's scripted answer.
   */
  setProposalDefault(reply: FakeReply | ((body: Record<string, unknown>) => FakeReply)): void;
  proposalRequests(): readonly RecordedChatRequest[];
  reset(): void;
  close(): Promise<void>;
}

type DefaultReply = FakeReply | ((body: Record<string, unknown>) => FakeReply);

const INITIAL_DEFAULT_REPLY: FakeReply = { kind: 'reply', content: '[neutral] 我在这里听你说。' };
const INITIAL_JUDGE_REPLY: FakeReply = { kind: 'reply', content: '{"risk":"none","labels":[]}' };
const INITIAL_PROPOSAL_REPLY: FakeReply = { kind: 'reply', content: '{"memory": []}' };
/** Words of prompt/proposal-prompt.txt's first line. */
export const PROPOSAL_MARKER = '值得长期记住的关于对方的信息';

function isProposalRequest(body: Record<string, unknown>): boolean {
  const [first] = Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
  return typeof first?.content === 'string' && first.content.includes(PROPOSAL_MARKER);
}

function isJudgeRequest(body: Record<string, unknown>): boolean {
  const [first] = Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
  return typeof first?.content === 'string' && first.content.startsWith(CRISIS_JUDGE_MARKER);
}
const CHAT_PATHS = new Set(['/v1/chat/completions', '/chat/completions']);
const MODEL_PATHS = new Set(['/v1/models', '/models']);
const LISTED_MODELS = ['deepseek-chat', 'gpt-4o-mini'];

function sendJsonError(response: ServerResponse, status: number, overrides: { message?: string }): void {
  const json = errorBody({ ...defaultWireError(status), ...overrides });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(json)),
    'x-request-id': newRequestId(),
  });
  response.end(json);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startFakeOpenAiServer(
  options: { apiKey?: string; port?: number } = {},
): Promise<FakeOpenAiServer> {
  const apiKey = options.apiKey ?? 'sk-test-fake';
  const queue: FakeReply[] = [];
  const recorded: RecordedChatRequest[] = [];
  const judgeQueue: FakeReply[] = [];
  const judgeRecorded: RecordedChatRequest[] = [];
  let judgeDefault: DefaultReply = INITIAL_JUDGE_REPLY;
  const proposalRecorded: RecordedChatRequest[] = [];
  let proposalDefault: DefaultReply = INITIAL_PROPOSAL_REPLY;
  const sockets = new Set<Socket>();
  let defaultReply: DefaultReply = INITIAL_DEFAULT_REPLY;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const text = await readRequestBody(request);

    if (request.method === 'GET' && MODEL_PATHS.has(path)) {
      const created = Math.floor(Date.now() / 1000);
      const data = LISTED_MODELS.map((id) => ({ id, object: 'model', created, owned_by: 'system' }));
      response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': newRequestId() });
      response.end(JSON.stringify({ object: 'list', data }));
      return;
    }
    if (request.method !== 'POST' || !CHAT_PATHS.has(path)) {
      // The exact wording OpenAI uses for an unknown route.
      sendJsonError(response, 404, { message: `Invalid URL (${request.method} ${path})` });
      return;
    }

    const body = parseObject(text);
    if (body === undefined) {
      sendJsonError(response, 400, {
        message:
          'We could not parse the JSON body of your request. (HINT: This likely means you are not using your HTTP library correctly.)',
      });
      return;
    }
    // Recorded before the key check so tests can inspect what a misconfigured client sent.
    const judging = isJudgeRequest(body);
    const proposing = !judging && isProposalRequest(body);
    (judging ? judgeRecorded : proposing ? proposalRecorded : recorded).push({
      body,
      headers: { ...request.headers },
      path,
    });

    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      // A rejected key does not consume a scripted reply: the real server never reached the model.
      sendJsonError(response, 401, {});
      return;
    }

    const [pending, fallback] = judging
      ? [judgeQueue, judgeDefault]
      : proposing
        ? [[], proposalDefault]
        : [queue, defaultReply];
    const reply = pending.shift() ?? (typeof fallback === 'function' ? fallback(body) : fallback);
    const closed = new AbortController();
    // 'close' also fires after a normal end; aborting then is harmless because the reply is done.
    response.once('close', () => closed.abort());
    await sendReply({ request, response, body, signal: closed.signal }, reply);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A broken fake must fail loudly in the test output rather than hang the client.
      console.error('fake-openai-server handler failed', error);
      request.socket.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listen(server, options.port ?? 0);

  let closing: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey,
    enqueue(...replies) {
      queue.push(...replies);
    },
    setDefault(reply) {
      defaultReply = reply;
    },
    requests() {
      return [...recorded];
    },
    enqueueJudge(...replies) {
      judgeQueue.push(...replies);
    },
    setJudgeDefault(reply) {
      judgeDefault = reply;
    },
    judgeRequests() {
      return [...judgeRecorded];
    },
    setProposalDefault(reply) {
      proposalDefault = reply;
    },
    proposalRequests() {
      return [...proposalRecorded];
    },
    reset() {
      queue.length = 0;
      recorded.length = 0;
      defaultReply = INITIAL_DEFAULT_REPLY;
      judgeQueue.length = 0;
      judgeRecorded.length = 0;
      judgeDefault = INITIAL_JUDGE_REPLY;
      proposalRecorded.length = 0;
      proposalDefault = INITIAL_PROPOSAL_REPLY;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        // Stalled replies keep sockets open forever; destroying them is what lets vitest exit.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/** A base URL where nothing listens, so connecting is refused (ECONNREFUSED) right away. */
export async function unusedLoopbackUrl(): Promise<string> {
  const server = createServer();
  const port = await listen(server, 0);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

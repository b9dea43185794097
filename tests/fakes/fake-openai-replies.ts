/**
 * Writes one scripted FakeReply onto an HTTP response, in JSON or SSE form depending on whether
 * the request asked for `stream: true`. Kept apart from the server so each file stays readable.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FakeReply } from './fake-openai-server.js';
import {
  type CompletionIdentity,
  chunkBody,
  completionBody,
  defaultWireError,
  errorBody,
  estimateUsage,
  type FinishReason,
  midCharacterSplitOffset,
  newCompletionIdentity,
  newRequestId,
  SSE_DONE,
  SSE_KEEP_ALIVE,
  splitIntoDeltas,
  sseEvent,
  usageChunkBody,
} from './fake-openai-wire.js';

export interface ReplyContext {
  request: IncomingMessage;
  response: ServerResponse;
  body: Record<string, unknown>;
  /** Aborted when the client (or close()) tears the socket down, so scripted waits stop early. */
  signal: AbortSignal;
}

/** What a misconfigured gateway returns instead of JSON; the classic nginx page. */
const HTML_ERROR_PAGE =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n' +
  '<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

function isStreamRequest(body: Record<string, unknown>): boolean {
  return body.stream === true;
}

function includesUsage(body: Record<string, unknown>): boolean {
  const streamOptions = body.stream_options;
  return (
    typeof streamOptions === 'object' &&
    streamOptions !== null &&
    (streamOptions as { include_usage?: unknown }).include_usage === true
  );
}

function requestedModel(body: Record<string, unknown>): string {
  return typeof body.model === 'string' ? body.model : 'unknown-model';
}

function gone(context: ReplyContext): boolean {
  return context.signal.aborted || context.response.destroyed;
}

/** Resolves once the bytes are handed to the kernel, or as soon as the socket is gone. */
function write(context: ReplyContext, data: string | Buffer): Promise<void> {
  if (gone(context) || context.response.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    // Remove the listener again: a long stream would otherwise pile up abort listeners.
    const finish = (): void => {
      context.signal.removeEventListener('abort', finish);
      resolve();
    };
    context.signal.addEventListener('abort', finish, { once: true });
    context.response.write(data, finish);
  });
}

/**
 * Each SSE event goes out in its own socket write, then we yield to the event loop so the client
 * sees separate TCP reads. Events holding multi-byte UTF-8 are cut inside a character to prove
 * the client buffers bytes rather than decoding each read on its own.
 */
async function writeEvent(context: ReplyContext, event: string): Promise<void> {
  const bytes = Buffer.from(event, 'utf8');
  const splitOffset = midCharacterSplitOffset(bytes);
  if (splitOffset === undefined) {
    await write(context, bytes);
  } else {
    await write(context, bytes.subarray(0, splitOffset));
    await yieldToEventLoop();
    await write(context, bytes.subarray(splitOffset));
  }
  await yieldToEventLoop();
}

async function pause(context: ReplyContext, milliseconds: number): Promise<void> {
  if (milliseconds <= 0) return;
  await sleep(milliseconds, undefined, { signal: context.signal }).catch(() => undefined);
}

function destroySocket(context: ReplyContext): void {
  context.request.socket.destroy();
}

function startJson(context: ReplyContext, status: number, contentLength?: number): void {
  context.response.writeHead(status, {
    'content-type': 'application/json',
    'x-request-id': newRequestId(),
    ...(contentLength === undefined ? {} : { 'content-length': String(contentLength) }),
  });
  // Headers go out now so "stalled after headers" really means the client has a Response object.
  context.response.flushHeaders();
}

function startSse(context: ReplyContext): void {
  context.response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': newRequestId(),
  });
  context.response.flushHeaders();
}

/** Role chunk, then content deltas; shared by complete, stalled and cut streams. */
async function writeStreamOpening(
  context: ReplyContext,
  identity: CompletionIdentity,
  content: string,
  keepAliveComments: boolean,
  pacing: {
    deltas?: string[] | undefined;
    gapMs?: number | undefined;
    onDelta?: ((delta: string) => void) | undefined;
  } = {},
): Promise<void> {
  await writeEvent(context, sseEvent(chunkBody(identity, { role: 'assistant', content: '' }, null)));
  for (const delta of pacing.deltas ?? splitIntoDeltas(content)) {
    await pause(context, pacing.gapMs ?? 0);
    if (gone(context)) return;
    if (keepAliveComments) await writeEvent(context, SSE_KEEP_ALIVE);
    pacing.onDelta?.(delta);
    await writeEvent(context, sseEvent(chunkBody(identity, { content: delta }, null)));
  }
}

async function sendCompletion(
  context: ReplyContext,
  content: string,
  finishReason: FinishReason,
  options: {
    usage?: { prompt_tokens: number; completion_tokens: number };
    keepAliveComments?: boolean;
    reasoning?: { deltas: string[]; gapMs: number };
    deltas?: string[];
    gapMs?: number;
    onDelta?: (delta: string) => void;
  },
): Promise<void> {
  const identity = newCompletionIdentity(requestedModel(context.body));
  const usage = estimateUsage(context.body, content, options.usage);
  const keepAliveComments = options.keepAliveComments === true;
  if (!isStreamRequest(context.body)) {
    const json = JSON.stringify(completionBody(identity, content, finishReason, usage));
    if (!keepAliveComments) {
      startJson(context, 200, Buffer.byteLength(json));
      context.response.end(json);
      return;
    }
    // DeepSeek keeps queued non-stream requests alive with blank lines before the JSON body.
    startJson(context, 200);
    await write(context, '\n');
    await yieldToEventLoop();
    await write(context, '\n');
    context.response.end(json);
    return;
  }
  startSse(context);
  // DeepSeek also sends a keep-alive comment before the first chunk while the request is queued.
  if (keepAliveComments) await writeEvent(context, SSE_KEEP_ALIVE);
  for (const thought of options.reasoning?.deltas ?? []) {
    await pause(context, options.reasoning?.gapMs ?? 0);
    if (gone(context)) return;
    await writeEvent(
      context,
      sseEvent(chunkBody(identity, { content: null, reasoning_content: thought }, null)),
    );
  }
  await writeStreamOpening(context, identity, content, keepAliveComments, options);
  if (gone(context)) return;
  await writeEvent(context, sseEvent(chunkBody(identity, {}, finishReason)));
  if (includesUsage(context.body)) await writeEvent(context, sseEvent(usageChunkBody(identity, usage)));
  await writeEvent(context, SSE_DONE);
  context.response.end();
}

async function sendError(context: ReplyContext, reply: Extract<FakeReply, { kind: 'error' }>): Promise<void> {
  const defaults = defaultWireError(reply.status);
  const json = errorBody({
    message: reply.message ?? defaults.message,
    type: reply.type ?? defaults.type,
    code: reply.code === undefined ? defaults.code : reply.code,
  });
  context.response.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(json)),
    'x-request-id': newRequestId(),
    ...(reply.retryAfterSeconds === undefined ? {} : { 'retry-after': String(reply.retryAfterSeconds) }),
    ...reply.headers,
  });
  context.response.end(json);
}

async function sendCut(context: ReplyContext, partialContent: string, cleanEnd: boolean): Promise<void> {
  const identity = newCompletionIdentity(requestedModel(context.body));
  if (isStreamRequest(context.body)) {
    startSse(context);
    await writeStreamOpening(context, identity, partialContent, false);
    await yieldToEventLoop();
    // A clean end sends the terminating chunk, so the client sees EOF rather than a broken body.
    if (cleanEnd) context.response.end();
    else destroySocket(context);
    return;
  }
  const json = Buffer.from(
    JSON.stringify(
      completionBody(identity, partialContent, 'stop', estimateUsage(context.body, partialContent)),
    ),
  );
  const half = json.subarray(0, Math.floor(json.length / 2));
  if (cleanEnd) {
    // No declared length, so ending early is a well-formed chunked body that just is not valid JSON.
    startJson(context, 200);
    context.response.end(half);
    return;
  }
  // Announce the full length, deliver half, then reset: the client sees a body that breaks off.
  startJson(context, 200, json.length);
  await write(context, half);
  await yieldToEventLoop();
  destroySocket(context);
}

async function sendErrorMidStream(
  context: ReplyContext,
  reply: Extract<FakeReply, { kind: 'error-mid-stream' }>,
): Promise<void> {
  if (!isStreamRequest(context.body))
    return sendError(context, { kind: 'error', status: reply.status ?? 500 });
  const identity = newCompletionIdentity(requestedModel(context.body));
  startSse(context);
  await writeStreamOpening(context, identity, reply.partialContent, false);
  const defaults = defaultWireError(reply.status ?? 500);
  const error = { message: reply.message ?? defaults.message, type: defaults.type, code: defaults.code };
  await writeEvent(context, sseEvent({ error }));
  context.response.end();
}

async function sendStallAfterHeaders(
  context: ReplyContext,
  partialContent: string | undefined,
): Promise<void> {
  if (!isStreamRequest(context.body)) {
    startJson(context, 200);
    return;
  }
  startSse(context);
  if (partialContent !== undefined) {
    const identity = newCompletionIdentity(requestedModel(context.body));
    await writeStreamOpening(context, identity, partialContent, false);
  }
}

async function sendInvalidJson(context: ReplyContext, body: string | undefined): Promise<void> {
  const text = body ?? HTML_ERROR_PAGE;
  if (!isStreamRequest(context.body)) {
    startJson(context, 200, Buffer.byteLength(text));
    context.response.end(text);
    return;
  }
  startSse(context);
  await writeEvent(context, sseEvent(text));
  context.response.end();
}

export async function sendReply(context: ReplyContext, reply: FakeReply): Promise<void> {
  switch (reply.kind) {
    case 'reply':
      await pause(context, reply.delayMs ?? 0);
      if (gone(context)) return;
      return sendCompletion(context, reply.content, reply.finishReason ?? 'stop', {
        ...(reply.usage === undefined ? {} : { usage: reply.usage }),
        ...(reply.keepAliveComments === undefined ? {} : { keepAliveComments: reply.keepAliveComments }),
        ...(reply.reasoning === undefined ? {} : { reasoning: reply.reasoning }),
        ...(reply.deltas === undefined ? {} : { deltas: reply.deltas }),
        ...(reply.gapMs === undefined ? {} : { gapMs: reply.gapMs }),
        ...(reply.onDelta === undefined ? {} : { onDelta: reply.onDelta }),
      });
    case 'error-mid-stream':
      return sendErrorMidStream(context, reply);
    case 'empty-content':
      return sendCompletion(context, '', 'stop', {});
    case 'error':
      return sendError(context, reply);
    case 'stall-before-headers':
      // Deliberately nothing: the socket stays open until the client aborts or close() runs.
      return;
    case 'stall-after-headers':
      return sendStallAfterHeaders(context, reply.partialContent);
    case 'cut-stream':
      return sendCut(context, reply.partialContent, reply.cleanEnd === true);
    case 'invalid-json':
      return sendInvalidJson(context, reply.body);
    case 'drop-connection':
      destroySocket(context);
      return;
  }
}

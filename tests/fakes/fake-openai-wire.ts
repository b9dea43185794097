/**
 * Byte-exact builders for the OpenAI Chat Completions wire format, shared by the fake server.
 *
 * Field order and shapes follow bodies recorded from api.openai.com (see the openai-node fixture
 * `tests/lib/__snapshots__/ChatCompletionStream.test.ts.snap`, summarised in
 * shared/notes/openai-sdk-and-reliability-facts.md §3.4). DeepSeek sends the same shapes.
 */
import { randomBytes } from 'node:crypto';

export type FinishReason = 'stop' | 'length' | 'content_filter';

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Identity shared by every chunk of one completion; the real API repeats it on each chunk. */
export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
  systemFingerprint: string;
}

export function newCompletionIdentity(model: string): CompletionIdentity {
  return {
    // Real ids are `chatcmpl-` plus 29 base62 characters; hex keeps it simple and still unique.
    id: `chatcmpl-${randomBytes(12).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model,
    systemFingerprint: 'fp_fa4e0c1d2b',
  };
}

export function newRequestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

/** Text the model "read": string contents plus the text parts of multi-part contents. */
function messageText(message: unknown): string {
  if (typeof message !== 'object' || message === null) return '';
  const content = (message as { content?: unknown }).content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string'
        ? (part as { text: string }).text
        : '',
    )
    .join('');
}

/**
 * Rough token counts when a test does not pin them: one "token" per character, so assertions
 * about usage being present and summed stay meaningful without a tokenizer.
 */
export function estimateUsage(
  requestBody: Record<string, unknown>,
  content: string,
  pinned?: { prompt_tokens: number; completion_tokens: number },
): WireUsage {
  const messages = Array.isArray(requestBody.messages) ? requestBody.messages : [];
  const promptTokens =
    pinned?.prompt_tokens ??
    messages.reduce((sum: number, message: unknown) => sum + Array.from(messageText(message)).length, 0);
  const completionTokens = pinned?.completion_tokens ?? Array.from(content).length;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

export function completionBody(
  identity: CompletionIdentity,
  content: string,
  finishReason: FinishReason,
  usage: WireUsage,
): Record<string, unknown> {
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    usage,
    system_fingerprint: identity.systemFingerprint,
  };
}

/** One `chat.completion.chunk` carrying a single choice (the role, a content delta or the finish). */
export function chunkBody(
  identity: CompletionIdentity,
  delta: Record<string, unknown>,
  finishReason: FinishReason | null,
): Record<string, unknown> {
  return {
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    system_fingerprint: identity.systemFingerprint,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

/** The `include_usage` trailer: the real API sends `choices: []`, so clients must not index choices[0]. */
export function usageChunkBody(identity: CompletionIdentity, usage: WireUsage): Record<string, unknown> {
  return {
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    system_fingerprint: identity.systemFingerprint,
    choices: [],
    usage,
  };
}

export function sseEvent(payload: Record<string, unknown> | string): string {
  const data = typeof payload === 'string' ? payload : JSON.stringify(payload);
  // A multi-line payload needs one `data:` field per line, or the SSE framing itself breaks.
  return `${data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';
/** DeepSeek sends this SSE comment while a request waits in its queue; parsers must skip it. */
export const SSE_KEEP_ALIVE = ': keep-alive\n\n';

/**
 * Splits text into deltas of 1-4 code points. Splitting by code point (not UTF-16 unit) keeps
 * surrogate pairs such as emoji whole, which is what real tokenizers guarantee on the wire.
 */
export function splitIntoDeltas(content: string): string[] {
  const codePoints = Array.from(content);
  const sizes = [2, 1, 3, 4];
  const deltas: string[] = [];
  let position = 0;
  for (let index = 0; position < codePoints.length; index += 1) {
    const size = sizes[index % sizes.length] ?? 1;
    deltas.push(codePoints.slice(position, position + size).join(''));
    position += size;
  }
  return deltas;
}

/**
 * Where to cut an encoded event so a TCP write ends inside a multi-byte UTF-8 character, forcing
 * the client to buffer bytes before decoding. Returns undefined for pure-ASCII events.
 */
export function midCharacterSplitOffset(bytes: Buffer): number | undefined {
  // 0b11xxxxxx is the lead byte of a multi-byte sequence; cutting right after it splits the character.
  const leadIndex = bytes.findIndex((byte) => byte >= 0xc0);
  return leadIndex === -1 ? undefined : leadIndex + 1;
}

export interface WireError {
  status: number;
  message: string;
  type: string;
  code: string | null;
}

/** Default messages and types copied from what OpenAI returns for each status. */
export function defaultWireError(status: number): Omit<WireError, 'status'> {
  switch (status) {
    case 400:
      return { message: 'Invalid request', type: 'invalid_request_error', code: null };
    case 401:
      return {
        message: 'Incorrect API key provided',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      };
    case 404:
      return { message: 'The model does not exist', type: 'invalid_request_error', code: 'model_not_found' };
    case 429:
      return {
        message: 'Rate limit reached for requests. Please try again later.',
        type: 'requests',
        code: 'rate_limit_exceeded',
      };
    case 503:
      return {
        message: 'The engine is currently overloaded, please try again later',
        type: 'server_error',
        code: null,
      };
    default:
      return status >= 500
        ? {
            message: 'The server had an error while processing your request. Sorry about that!',
            type: 'server_error',
            code: null,
          }
        : { message: `Request failed with status ${status}`, type: 'invalid_request_error', code: null };
  }
}

export function errorBody(error: Omit<WireError, 'status'>): string {
  return JSON.stringify({
    error: { message: error.message, type: error.type, param: null, code: error.code },
  });
}

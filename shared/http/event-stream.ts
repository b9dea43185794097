/**
 * Where a streamed turn writes its server-sent events: a Node response (npm start) or the functions
 * framework's SSE object (the chat-stream HTTP function). Writes after the client left are dropped.
 */
export interface EventStreamWriter {
  /** Sends `200 text/event-stream` and its headers; called once, just before the first event. */
  open(): void;
  /** Raw SSE text, whole events only (each ends with a blank line). */
  write(text: string): void;
  /** Ends the response. */
  end(): void;
  /** True once the client has gone away. */
  readonly closed: boolean;
}

/** The headers every stream goes out with (a private conversation: nothing may cache it). */
export const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // Tells nginx-style proxies in front of the function not to buffer the events.
  'x-accel-buffering': 'no',
};

/** One event: its name and its data as one line of JSON (JSON.stringify never writes a raw newline). */
export function formatEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

export const PING_COMMENT = ': ping\n\n';

/** One server-sent event as a client reads it: its name and its data parsed from JSON. */
export interface ReadEvent {
  event: string;
  data: unknown;
}

export interface StreamAnswer {
  status: number;
  contentType: string;
  /** The events in order (SSE text answers only). */
  events: ReadEvent[];
  /** Comment lines (`: ping`), in order. */
  comments: string[];
  /** The body of a JSON answer. */
  json: unknown;
}

/** Parses a whole SSE body: events split by blank lines, `event:` and `data:` fields, `:` comments. */
export function parseEventStream(text: string): { events: ReadEvent[]; comments: string[] } {
  const events: ReadEvent[] = [];
  const comments: string[] = [];
  for (const block of text.split('\n\n')) {
    let name = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('event: ')) name = line.slice('event: '.length);
      else if (line.startsWith('data: ')) data.push(line.slice('data: '.length));
    }
    if (data.length > 0) events.push({ event: name, data: JSON.parse(data.join('\n')) });
  }
  return { events, comments };
}

/** POSTs a body and reads the whole answer, a stream or JSON. */
export async function postForStream(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<StreamAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const contentType = response.headers.get('content-type') ?? '';
  const text = await response.text();
  if (contentType.startsWith('text/event-stream')) {
    return { status: response.status, contentType, ...parseEventStream(text), json: undefined };
  }
  return { status: response.status, contentType, events: [], comments: [], json: JSON.parse(text) };
}

/** The deltas of a stream joined, and its `done` event's data. */
export function deltasAndDone(events: readonly ReadEvent[]) {
  const text = events
    .filter((entry) => entry.event === 'delta')
    .map((entry) => (entry.data as { text: string }).text)
    .join('');
  const done = events.find((entry) => entry.event === 'done')?.data as Record<string, unknown> | undefined;
  return { text, done };
}

/**
 * Reads a stream until `stopAfter` returns true for an event, then drops the connection, as a phone that
 * loses its signal does. Resolves with the events read before that.
 */
export async function postAndLeave(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  stopAfter: (event: ReadEvent) => boolean,
): Promise<ReadEvent[]> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('no body');
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return parseEventStream(buffered).events;
    buffered += decoder.decode(value, { stream: true });
    const complete = buffered.slice(0, buffered.lastIndexOf('\n\n') + 2);
    const { events } = parseEventStream(complete);
    if (events.some(stopAfter)) {
      controller.abort();
      return events;
    }
  }
}

import type { ServerResponse } from 'node:http';
import { EVENT_STREAM_HEADERS, type EventStreamWriter } from '../shared/http/event-stream.js';

/** Server-sent events on a plain Node response (npm start, tests). */
export function nodeEventStream(response: ServerResponse): EventStreamWriter {
  let gone = false;
  // 'close' also follows a normal end; either way nothing more may be written.
  response.on('close', () => {
    gone = true;
  });
  return {
    open() {
      response.writeHead(200, EVENT_STREAM_HEADERS);
      response.flushHeaders();
      response.socket?.setNoDelay(true);
    },
    write(text) {
      if (!gone && !response.writableEnded) response.write(text);
    },
    end() {
      if (!response.writableEnded) response.end();
    },
    get closed() {
      return gone || response.destroyed;
    },
  };
}

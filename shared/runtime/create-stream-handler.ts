import { chatStreamEndpoint } from '../endpoints/chat-stream-endpoint.js';
import { type AppError, toAppError } from '../errors/app-error.js';
import { type EventStreamWriter, formatEvent } from '../http/event-stream.js';
import { errorResponse, type HttpEvent, type HttpResponse } from '../http/http-event.js';
import { createLogger, describeCause } from '../logging/logger.js';
import { toAppRequest } from './app-request.js';
import type { HandlerOptions } from './create-function-handler.js';
import { routeMethods } from './endpoint.js';
import { serveRequest } from './serve-request.js';
import { buildServiceDependencies, type ServiceDependencies } from './service-dependencies.js';
import { systemTimers } from './system-timers.js';

/** What a stream request came to: streamed (the events went out), or one JSON response to send. */
export type StreamOutcome = { kind: 'streamed' } | { kind: 'response'; response: HttpResponse };

/**
 * The adapter of POST /api/chat/stream, shared by the chat-stream HTTP function and `npm start`: the same
 * routing, bearer-token authentication, input limits and validation as the chat function, and every
 * error found before the stream begins answered as ordinary JSON with its status. Never throws.
 */
export function createStreamHandler(options: HandlerOptions = {}) {
  let dependencies: ServiceDependencies | undefined;
  const fallbackLogger = options.overrides?.logger ?? createLogger('info');

  return async function serveStream(event: HttpEvent, writer: EventStreamWriter): Promise<StreamOutcome> {
    const startedAt = systemTimers.now();
    const opened = watchOpening(writer);
    const endpoint = chatStreamEndpoint(opened.writer);
    let outcome = 'ok';
    try {
      dependencies ??= buildServiceDependencies(options.environment ?? process.env, options.overrides, {
        requireModel: true,
      });
      await serveRequest(endpoint, toAppRequest(event, {}), dependencies);
      return { kind: 'streamed' };
    } catch (error) {
      const failure = toAppError(error);
      outcome = failure.code;
      logFailure(failure);
      if (opened.isOpen()) {
        // Only an unexpected fault gets here once the stream began: it still ends with an error event.
        opened.writer.write(formatEvent('error', failure.toBody()));
        opened.writer.end();
        return { kind: 'streamed' };
      }
      const headers: Record<string, string> =
        failure.code === 'METHOD_NOT_ALLOWED' ? { allow: routeMethods(endpoint).join(', ') } : {};
      return { kind: 'response', response: errorResponse(failure, headers) };
    } finally {
      (dependencies?.logger ?? fallbackLogger).info('request.done', {
        function: 'chat-stream',
        transport: 'http',
        outcome,
        duration_ms: Math.round(systemTimers.now() - startedAt),
      });
    }
  };

  function logFailure(error: AppError) {
    const logger = dependencies?.logger ?? fallbackLogger;
    const fields = { function: 'chat-stream', code: error.code, cause: describeCause(error) };
    if (error.status >= 500) logger.error('request.failed', fields);
    else logger.info('request.rejected', fields);
  }
}

function watchOpening(writer: EventStreamWriter) {
  let open = false;
  return {
    isOpen: () => open,
    writer: {
      open() {
        open = true;
        writer.open();
      },
      write: (text: string) => writer.write(text),
      end: () => writer.end(),
      get closed() {
        return writer.closed;
      },
    } satisfies EventStreamWriter,
  };
}

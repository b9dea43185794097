import { AppError } from '../errors/app-error.js';
import { assertWithinSize, readJsonBody } from '../http/http-event.js';
import { assertShallow } from '../http/json-nesting.js';
import type { AppRequest } from './app-request.js';
import type { HttpMethod } from './endpoint.js';

/**
 * The request's input, read once the limit it is checked against is known: a callFunction event, an
 * HTTP GET's query string or a POST's JSON body. One size and one nesting rule for both transports.
 */
export function readRequestInput(
  request: AppRequest,
  method: HttpMethod | undefined,
  maxRequestBytes: number,
): unknown {
  if (request.transport === 'http') {
    return method === 'GET' ? request.query : readJsonBody(request.body, request.base64, maxRequestBytes);
  }
  const { event } = request;
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new AppError('INVALID_INPUT', '请求内容必须是一个 JSON 对象。(Event must be an object)', {
      field: 'body',
    });
  }
  // Before measuring: JSON.stringify recurses, and a deep enough event would end it with a RangeError.
  assertShallow(event);
  assertWithinSize(Buffer.byteLength(JSON.stringify(event), 'utf8'), maxRequestBytes);
  return event;
}

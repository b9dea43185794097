import { AppError } from '../errors/app-error.js';
import { matchesRoute } from '../http/http-event.js';
import type { HttpRequest } from './app-request.js';
import { type AnyEndpoint, type HttpMethod, routeMethods } from './endpoint.js';

/** The method an HTTP request comes by, once its path is this endpoint's route and its method one it takes. */
export function routeHttp(endpoint: AnyEndpoint, request: HttpRequest): HttpMethod {
  if (!matchesRoute(request.path, endpoint.route)) {
    throw new AppError('NOT_FOUND', '没有这个接口。(Not found)');
  }
  const methods = routeMethods(endpoint);
  const method = methods.find((allowed) => allowed === request.method);
  if (method === undefined) {
    throw new AppError(
      'METHOD_NOT_ALLOWED',
      `这个接口只接受 ${methods.join('/')} 请求。(Method not allowed)`,
    );
  }
  return method;
}

/** Refuses a request that must come by another method (history: a deletion by GET). */
export function assertMethodFor(endpoint: AnyEndpoint, method: HttpMethod, input: unknown): void {
  const expected = endpoint.httpMethodFor?.(input);
  if (expected !== undefined && expected !== method) {
    throw new AppError('METHOD_NOT_ALLOWED', `这个操作只接受 ${expected} 请求。(Method not allowed)`);
  }
}

import type { AppError } from '../errors/app-error.js';
import { errorResponse, type HttpResponse, jsonResponse } from '../http/http-event.js';
import type { AppRequest } from './app-request.js';
import { type AnyEndpoint, routeMethods } from './endpoint.js';

/** What `main` returns for a reply: the reply itself to callFunction, a 200 JSON response over HTTP. */
export function replyResult(request: AppRequest, reply: unknown): unknown {
  return request.transport === 'http' ? jsonResponse(200, reply) : reply;
}

/** What `main` returns for a failure: `{error: {code, message, …}}`, over HTTP with the code's status. */
export function errorResult(endpoint: AnyEndpoint, request: AppRequest, error: AppError): unknown {
  if (request.transport !== 'http') return error.toBody();
  const headers: Record<string, string> =
    error.code === 'METHOD_NOT_ALLOWED' ? { allow: routeMethods(endpoint).join(', ') } : {};
  return errorResponse(error, headers) satisfies HttpResponse;
}

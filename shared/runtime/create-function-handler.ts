import type { Config, Environment } from '../config/load-config.js';
import { AppError, toAppError } from '../errors/app-error.js';
import {
  assertWithinSize,
  errorResponse,
  type HttpEvent,
  isHttpEvent,
  jsonResponse,
  matchesRoute,
  readJsonBody,
} from '../http/http-event.js';
import { createLogger, describeCause } from '../logging/logger.js';
import { httpAccessRefused, resolveUserId, type Transport } from './resolve-user-id.js';
import { buildServiceDependencies, type ServiceDependencies } from './service-dependencies.js';

type Limits = Config['limits'];

/** One function's contract: its HTTP route and how it turns a validated request into a reply. */
export interface Endpoint<Request extends { userId: string | undefined }> {
  name: 'chat' | 'history';
  method: 'GET' | 'POST';
  route: string;
  /** Whether this function calls the model, and so needs its configuration and key. */
  usesModel: boolean;
  parse(raw: unknown, dependencies: ServiceDependencies): Request;
  run(request: Request & { userId: string }, dependencies: ServiceDependencies): Promise<unknown>;
}

export interface HandlerOptions {
  environment?: Environment;
  /** Tests inject a clock, ids or a store; production builds everything from the environment. */
  overrides?: Parameters<typeof buildServiceDependencies>[1];
}

/**
 * Wraps an endpoint into a CloudBase `main(event, context)`. Dependencies are built once per warm
 * instance. `main` never throws: every failure becomes `{error: {code, message}}`, or an HTTP response
 * with the code's status on the HTTP access path.
 */
export function createFunctionHandler<Request extends { userId: string | undefined }>(
  endpoint: Endpoint<Request>,
  options: HandlerOptions = {},
) {
  let dependencies: ServiceDependencies | undefined;
  const fallbackLogger = options.overrides?.logger ?? createLogger('info');

  /** `raw` reads the request once the limits it is checked against are known. */
  async function serve(transport: Transport, raw: (limits: Limits) => unknown, context: unknown) {
    dependencies ??= buildServiceDependencies(options.environment ?? process.env, options.overrides, {
      requireModel: endpoint.usesModel,
    });
    // Refused before parsing, so an unauthenticated caller learns nothing from validation errors.
    if (transport === 'http' && dependencies.config.onPlatform) throw httpAccessRefused();
    const request = endpoint.parse(raw(dependencies.config.limits), dependencies);
    const userId = await resolveUserId({
      transport,
      onPlatform: dependencies.config.onPlatform,
      context,
      requestedUserId: request.userId,
    });
    return endpoint.run({ ...request, userId }, dependencies);
  }

  return async function main(event: unknown, context?: unknown): Promise<unknown> {
    const startedAt = Date.now();
    const transport: Transport = isHttpEvent(event) ? 'http' : 'call-function';
    let outcome = 'ok';
    try {
      if (isHttpEvent(event)) return await serveHttp(event, context);
      if (typeof event !== 'object' || event === null || Array.isArray(event)) {
        throw new AppError('INVALID_INPUT', '请求内容必须是一个 JSON 对象。(Event must be an object)', {
          field: 'body',
        });
      }
      return await serve(
        'call-function',
        (limits) => {
          assertWithinSize(Buffer.byteLength(JSON.stringify(event), 'utf8'), limits.maxRequestBytes);
          return event;
        },
        context,
      );
    } catch (error) {
      const appError = toAppError(error);
      outcome = appError.code;
      logFailure(appError);
      return isHttpEvent(event) ? errorResponse(appError, allowHeader(appError)) : appError.toBody();
    } finally {
      (dependencies?.logger ?? fallbackLogger).info('request.done', {
        function: endpoint.name,
        transport,
        outcome,
        duration_ms: Date.now() - startedAt,
      });
    }
  };

  async function serveHttp(event: HttpEvent, context: unknown) {
    if (!matchesRoute(event.path, endpoint.route)) {
      throw new AppError('NOT_FOUND', '没有这个接口。(Not found)');
    }
    if (event.httpMethod.toUpperCase() !== endpoint.method) {
      throw new AppError(
        'METHOD_NOT_ALLOWED',
        `这个接口只接受 ${endpoint.method} 请求。(Method not allowed)`,
      );
    }
    const reply = await serve(
      'http',
      (limits) =>
        endpoint.method === 'GET'
          ? { ...(event.queryStringParameters ?? {}) }
          : readJsonBody(event, limits.maxRequestBytes),
      context,
    );
    return jsonResponse(200, reply);
  }

  function allowHeader(error: AppError): Record<string, string> {
    return error.code === 'METHOD_NOT_ALLOWED' ? { allow: endpoint.method } : {};
  }

  function logFailure(error: AppError) {
    const logger = dependencies?.logger ?? fallbackLogger;
    const fields = { function: endpoint.name, code: error.code, cause: describeCause(error) };
    if (error.status >= 500) logger.error('request.failed', fields);
    else logger.info('request.rejected', fields);
  }
}

import { readPlatformOpenId } from '../cloudbase/cloudbase-sdk.js';
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
import { authenticateHttp, headerValue } from './authenticate-http.js';
import { resolveUserId, type Transport } from './resolve-user-id.js';
import { buildServiceDependencies, type ServiceDependencies } from './service-dependencies.js';

type Limits = Config['limits'];
type HttpMethod = 'GET' | 'POST';

/** One function's contract: its HTTP route and how it turns a validated request into a reply. */
export interface Endpoint<Request extends { userId: string | undefined }> {
  name: 'chat' | 'history';
  method: HttpMethod;
  /** More methods the route takes (history: POST, for deletions); a GET reads the query string. */
  alsoAccepts?: readonly HttpMethod[];
  /**
   * The one method a request may come by over HTTP when that depends on the request (history: on its
   * `action`), read from the raw request before it is validated; undefined = any the route takes.
   */
  httpMethodFor?(raw: unknown): HttpMethod | undefined;
  route: string;
  /** Whether this function calls the model, and so needs its configuration and key. */
  usesModel: boolean;
  parse(raw: unknown, dependencies: ServiceDependencies): Request;
  run(
    request: Request & { userId: string; transport: Transport },
    dependencies: ServiceDependencies,
  ): Promise<unknown>;
  /**
   * Work a timer trigger of this name starts (history: the retention sweep). It runs only for an event of
   * the timer's shape whose context carries no caller identity: a call from the mini-program always
   * carries the caller's OPENID, so a user who sends the same shape is served as an ordinary request.
   * The work must take nothing from the event: whoever else can invoke the function without an OPENID
   * (the console, an administrator's API call) can at most run it early.
   */
  timer?: { name: string; run(dependencies: ServiceDependencies): Promise<unknown> };
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

  const routeMethods: readonly HttpMethod[] = [endpoint.method, ...(endpoint.alsoAccepts ?? [])];

  function loadDependencies(): ServiceDependencies {
    dependencies ??= buildServiceDependencies(options.environment ?? process.env, options.overrides, {
      requireModel: endpoint.usesModel,
    });
    return dependencies;
  }

  /** `raw` reads the request once the limits it is checked against are known. */
  async function serve(
    transport: Transport,
    raw: (limits: Limits) => unknown,
    context: unknown,
    http?: { method: HttpMethod; authorization: string | undefined },
  ) {
    const dependencies = loadDependencies();
    const httpMethod = http?.method;
    // Checked before parsing, so an unauthenticated caller learns nothing from validation errors.
    const tokenUserId =
      transport === 'http'
        ? authenticateHttp(dependencies.config, http?.authorization, dependencies.clock())
        : undefined;
    const input = raw(dependencies.config.limits);
    const expectedMethod = httpMethod === undefined ? undefined : endpoint.httpMethodFor?.(input);
    if (expectedMethod !== undefined && expectedMethod !== httpMethod) {
      throw new AppError('METHOD_NOT_ALLOWED', `这个操作只接受 ${expectedMethod} 请求。(Method not allowed)`);
    }
    const request = endpoint.parse(input, dependencies);
    const userId =
      tokenUserId ??
      (await resolveUserId({
        transport,
        onPlatform: dependencies.config.onPlatform,
        context,
        requestedUserId: request.userId,
      }));
    return endpoint.run({ ...request, userId, transport }, dependencies);
  }

  return async function main(event: unknown, context?: unknown): Promise<unknown> {
    const startedAt = Date.now();
    const transport: Transport = isHttpEvent(event) ? 'http' : 'call-function';
    let via: Transport | 'timer' = transport;
    let outcome = 'ok';
    try {
      if (isHttpEvent(event)) return await serveHttp(event, context);
      const timer = endpoint.timer;
      if (timer !== undefined && isTimerEvent(event) && (await callerOpenId(context)) === undefined) {
        via = 'timer';
        if (event.TriggerName !== timer.name) {
          throw new AppError('INVALID_INPUT', '没有这个定时任务。(Unknown timer trigger)', {
            field: 'TriggerName',
          });
        }
        return await timer.run(loadDependencies());
      }
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
        transport: via,
        outcome,
        duration_ms: Date.now() - startedAt,
      });
    }
  };

  async function serveHttp(event: HttpEvent, context: unknown) {
    if (!matchesRoute(event.path, endpoint.route)) {
      throw new AppError('NOT_FOUND', '没有这个接口。(Not found)');
    }
    const method = routeMethods.find((allowed) => allowed === event.httpMethod.toUpperCase());
    if (method === undefined) {
      throw new AppError(
        'METHOD_NOT_ALLOWED',
        `这个接口只接受 ${routeMethods.join('/')} 请求。(Method not allowed)`,
      );
    }
    const reply = await serve(
      'http',
      (limits) =>
        method === 'GET'
          ? { ...(event.queryStringParameters ?? {}) }
          : readJsonBody(event, limits.maxRequestBytes),
      context,
      { method, authorization: headerValue(event.headers, 'authorization') },
    );
    return jsonResponse(200, reply);
  }

  function allowHeader(error: AppError): Record<string, string> {
    return error.code === 'METHOD_NOT_ALLOWED' ? { allow: routeMethods.join(', ') } : {};
  }

  function logFailure(error: AppError) {
    const logger = dependencies?.logger ?? fallbackLogger;
    const fields = { function: endpoint.name, code: error.code, cause: describeCause(error) };
    if (error.status >= 500) logger.error('request.failed', fields);
    else logger.info('request.rejected', fields);
  }
}

/**
 * The event a timer trigger delivers: `{Type: 'Timer', TriggerName, Time, Message}` (SCF's documented
 * shape; some copies of the docs spell the type `timer`, so its case is not checked).
 */
interface TimerEvent {
  Type: string;
  TriggerName: string;
  Time: string;
}

function isTimerEvent(event: unknown): event is TimerEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return false;
  const record = event as Record<string, unknown>;
  return (
    typeof record.Type === 'string' &&
    record.Type.toLowerCase() === 'timer' &&
    typeof record.TriggerName === 'string' &&
    typeof record.Time === 'string'
  );
}

/** The OPENID in this invocation's context, if any; a context the SDK cannot parse carries none. */
async function callerOpenId(context: unknown): Promise<string | undefined> {
  try {
    return await readPlatformOpenId(context);
  } catch {
    return undefined;
  }
}

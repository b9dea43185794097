import type { Environment } from '../config/load-config.js';
import { type AppError, toAppError } from '../errors/app-error.js';
import { createLogger, describeCause, type Logger } from '../logging/logger.js';
import { toAppRequest } from './app-request.js';
import type { Endpoint } from './endpoint.js';
import { errorResult, replyResult } from './error-result.js';
import { serveRequest } from './serve-request.js';
import { buildServiceDependencies, type ServiceDependencies } from './service-dependencies.js';
import { timerWork } from './timer-trigger.js';

export type { Endpoint } from './endpoint.js';

export interface HandlerOptions {
  environment?: Environment;
  /** Tests inject a clock, ids or a store; production builds everything from the environment. */
  overrides?: Parameters<typeof buildServiceDependencies>[1];
}

/**
 * The platform adapter: CloudBase `main(event, context)` → one AppRequest → the endpoint → a result.
 * Configuration and the dependencies built from it are loaded once per warm instance, before any input is
 * read (a bad configuration is retried on the next call). `main` never throws: every failure becomes
 * `{error: {code, message}}`, or an HTTP response with the code's status on the HTTP access path.
 */
export function createFunctionHandler<Request extends { userId: string | undefined }>(
  endpoint: Endpoint<Request>,
  options: HandlerOptions = {},
) {
  let dependencies: ServiceDependencies | undefined;
  const fallbackLogger = options.overrides?.logger ?? createLogger('info');
  const logger = (): Logger => dependencies?.logger ?? fallbackLogger;

  function loadDependencies(): ServiceDependencies {
    dependencies ??= buildServiceDependencies(options.environment ?? process.env, options.overrides, {
      requireModel: endpoint.usesModel,
    });
    return dependencies;
  }

  return async function main(event: unknown, context?: unknown): Promise<unknown> {
    const startedAt = Date.now();
    const request = toAppRequest(event, context);
    let via: string = request.transport;
    let outcome = 'ok';
    try {
      const loaded = loadDependencies();
      const timer = request.transport === 'call-function' ? await timerWork(endpoint, request) : undefined;
      if (timer !== undefined) {
        via = 'timer';
        return await timer.run(loaded);
      }
      return replyResult(request, await serveRequest(endpoint, request, loaded));
    } catch (error) {
      const appError = toAppError(error);
      outcome = appError.code;
      logFailure(appError);
      return errorResult(endpoint, request, appError);
    } finally {
      logger().info('request.done', {
        function: endpoint.name,
        transport: via,
        outcome,
        duration_ms: Date.now() - startedAt,
      });
    }
  };

  function logFailure(error: AppError) {
    const fields = { function: endpoint.name, code: error.code, cause: describeCause(error) };
    if (error.status >= 500) logger().error('request.failed', fields);
    else logger().info('request.rejected', fields);
  }
}

import type { AppRequest } from './app-request.js';
import { authenticateHttp } from './authenticate-http.js';
import type { AnyEndpoint } from './endpoint.js';
import { readRequestInput } from './read-request-input.js';
import { resolveUserId } from './resolve-user-id.js';
import { assertMethodFor, routeHttp } from './route-request.js';
import type { ServiceDependencies } from './service-dependencies.js';

/**
 * One ordinary request, by either transport: route, authenticate, read the input against the configured
 * limits, validate, identify the caller, run. The reply is the endpoint's; errors are thrown as AppErrors.
 */
export async function serveRequest(
  endpoint: AnyEndpoint,
  request: AppRequest,
  dependencies: ServiceDependencies,
): Promise<unknown> {
  const { config } = dependencies;
  const method = request.transport === 'http' ? routeHttp(endpoint, request) : undefined;
  // Checked before the input is read, so an unauthenticated caller learns nothing from validation errors.
  const tokenUserId =
    request.transport === 'http'
      ? authenticateHttp(config, request.headers.authorization, dependencies.clock())
      : undefined;
  const input = readRequestInput(request, method, config.limits.maxRequestBytes);
  if (method !== undefined) assertMethodFor(endpoint, method, input);
  const parsed = endpoint.parse(input, dependencies);
  const userId =
    tokenUserId ??
    (await resolveUserId({
      transport: request.transport,
      onPlatform: config.onPlatform,
      context: request.context,
      requestedUserId: parsed.userId,
    }));
  return endpoint.run({ ...parsed, userId, transport: request.transport }, dependencies);
}

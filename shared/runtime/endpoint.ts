import type { Transport } from './resolve-user-id.js';
import type { ServiceDependencies } from './service-dependencies.js';

export type HttpMethod = 'GET' | 'POST';

/** One function's contract: its HTTP route and how it turns a validated request into a reply. */
export interface Endpoint<Request extends { userId: string | undefined }> {
  name: 'chat' | 'chat-stream' | 'history';
  method: HttpMethod;
  /** More methods the route takes (history: POST, for deletions); a GET reads the query string. */
  alsoAccepts?: readonly HttpMethod[];
  /**
   * The one method a request may come by over HTTP when that depends on the request (history: on its
   * `action`), read from the raw request before it is validated; undefined = any the route takes.
   */
  httpMethodFor?(raw: unknown): HttpMethod | undefined;
  route: string;
  /** Whether this function runs chat turns, and so needs the model's and the turn's settings. */
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

/** Any endpoint, whatever its request type (the adapter only passes the parsed request through). */
// biome-ignore lint/suspicious/noExplicitAny: the request type is the endpoint's own business.
export type AnyEndpoint = Endpoint<any>;

/** The methods an endpoint's route takes. */
export function routeMethods(endpoint: AnyEndpoint): readonly HttpMethod[] {
  return [endpoint.method, ...(endpoint.alsoAccepts ?? [])];
}

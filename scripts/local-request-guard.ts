import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../shared/errors/app-error.js';

const loopbackNames = ['localhost', '127.0.0.1', '[::1]'];
const wildcardAddresses = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The `Host` values the local server answers to: a loopback name with its port, and the address HOST
 * names when a developer opened it to the network on purpose. Checking Host defeats DNS rebinding (a
 * site whose name suddenly points at 127.0.0.1 sends its own name as Host).
 */
export function allowedHosts(listenHost: string, port: number): Set<string> {
  const configured = listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost;
  const names = wildcardAddresses.has(configured) ? loopbackNames : [...loopbackNames, configured];
  const hosts = names.map((name) => `${name.toLowerCase()}:${port}`);
  // A browser leaves out the default port.
  if (port === 80) hosts.push(...names.map((name) => name.toLowerCase()));
  return new Set(hosts);
}

/**
 * Why a request to the local server must be refused, if it must. The local server trusts `user_id` from
 * the body, so any web page the developer opens could otherwise read or delete the local data with a
 * simple cross-site request (a `text/plain` POST needs no preflight). Allowed: no `Origin` (curl, the
 * mini-program tools, scripts) or the server's own origin (a page it serves itself).
 */
export function crossSiteRefusal(
  headers: IncomingHttpHeaders,
  hosts: ReadonlySet<string>,
): AppError | undefined {
  const host = headers.host?.toLowerCase();
  if (host === undefined || !hosts.has(host)) {
    return forbidden(
      '本地服务只接受本机地址的请求。(Host not allowed: the local server answers to localhost only)',
    );
  }
  const origin = headers.origin?.toLowerCase();
  const sameOrigin = origin?.startsWith('http://') === true && hosts.has(origin.slice('http://'.length));
  if (origin !== undefined && !sameOrigin) {
    return forbidden('本地服务不接受其他网站发来的请求。(Cross-origin request refused)');
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return forbidden('本地服务不接受其他网站发来的请求。(Cross-site request refused)');
  }
  return undefined;
}

function forbidden(message: string): AppError {
  return new AppError('FORBIDDEN_ORIGIN', message, { retryable: false });
}

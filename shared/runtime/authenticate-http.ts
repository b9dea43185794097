import { verifyAuthToken } from '../auth/auth-token.js';
import type { Config } from '../config/load-config.js';
import { httpAccessRefused } from './resolve-user-id.js';

/**
 * The identity of an HTTP access request: the OPENID its bearer token was minted for. On the platform a
 * request without a valid token is refused (and the whole path stays closed without AUTH_TOKEN_SECRET).
 * Off the platform (npm start) a presented token is still checked; without one, the caller falls back to
 * the body's `user_id`, as the original Flask service did.
 */
export function authenticateHttp(
  config: Pick<Config, 'onPlatform' | 'auth'>,
  authorization: string | undefined,
  now: Date,
): string | undefined {
  const { secret, ttlSeconds } = config.auth;
  if (config.onPlatform) {
    if (secret === undefined) throw httpAccessRefused();
    return verifyAuthToken(authorization, { secret, now, maxLifetimeSeconds: ttlSeconds });
  }
  if (secret !== undefined && authorization !== undefined)
    return verifyAuthToken(authorization, { secret, now, maxLifetimeSeconds: ttlSeconds });
  return undefined;
}

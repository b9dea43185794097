import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/app-error.js';
import { idPattern } from '../storage/session-document.js';

/**
 * Short-lived bearer tokens for the HTTP access path, minted by the chat function for a caller whose
 * OPENID the platform vouched for. Format: `v1.<payload>.<signature>`, the payload base64url JSON
 * `{sub, iat, exp}` (seconds) and the signature HMAC-SHA256 of `v1.<payload>` with AUTH_TOKEN_SECRET.
 * A JWT library would add algorithm negotiation (the classic `alg: none` hole) for no gain: there is one
 * issuer, one verifier and one algorithm.
 */
const VERSION = 'v1';

export interface MintedToken {
  token: string;
  token_type: 'Bearer';
  expires_at: string;
}

export function mintAuthToken(
  openId: string,
  options: { secret: string; ttlSeconds: number; now: Date },
): MintedToken {
  const issuedAt = Math.floor(options.now.getTime() / 1000);
  const expiresAt = issuedAt + options.ttlSeconds;
  const payload = Buffer.from(JSON.stringify({ sub: openId, iat: issuedAt, exp: expiresAt })).toString(
    'base64url',
  );
  const signed = `${VERSION}.${payload}`;
  return {
    token: `${signed}.${sign(signed, options.secret)}`,
    token_type: 'Bearer',
    expires_at: new Date(expiresAt * 1000).toISOString(),
  };
}

/** A minting instance's clock may run a little ahead of the verifying one's. */
const CLOCK_SKEW_SECONDS = 60;

/**
 * The OPENID an `Authorization: Bearer …` header vouches for, or a 401 saying precisely what is wrong.
 * A token is good from its `iat` to its `exp`, and that span may not exceed `maxLifetimeSeconds`
 * (AUTH_TOKEN_TTL_SECONDS): even a correctly signed token cannot be made to last longer than tokens are
 * minted for, and lowering the setting shortens the tokens already out.
 */
export function verifyAuthToken(
  authorization: string | undefined,
  options: { secret: string; now: Date; maxLifetimeSeconds: number },
): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw tokenError('AUTH_TOKEN_MISSING', '缺少登录凭证，请在小程序里重新打开。(Missing bearer token)');
  }
  const match = /^Bearer ([A-Za-z0-9._-]{1,2048})$/.exec(authorization.trim());
  const parts = match?.[1]?.split('.') ?? [];
  const [version, payload, signature] = parts;
  if (parts.length !== 3 || version !== VERSION || !payload || !signature) {
    throw tokenError(
      'AUTH_TOKEN_MALFORMED',
      '登录凭证格式不对，请在小程序里重新打开。(Malformed bearer token)',
    );
  }
  const expected = Buffer.from(sign(`${version}.${payload}`, options.secret), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  // The signature is checked before the payload is even parsed: nothing an attacker wrote is trusted.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw tokenError(
      'AUTH_TOKEN_INVALID',
      '登录凭证无效，请在小程序里重新打开。(Invalid bearer token signature)',
    );
  }
  const claims = parseClaims(payload);
  if (claims === undefined) {
    throw tokenError(
      'AUTH_TOKEN_MALFORMED',
      '登录凭证格式不对，请在小程序里重新打开。(Malformed bearer token)',
    );
  }
  const nowSeconds = options.now.getTime() / 1000;
  if (
    claims.exp <= claims.iat ||
    claims.exp - claims.iat > options.maxLifetimeSeconds ||
    claims.iat > nowSeconds + CLOCK_SKEW_SECONDS
  ) {
    throw tokenError(
      'AUTH_TOKEN_INVALID',
      '登录凭证无效，请在小程序里重新打开。(Bearer token lifetime is not one this service mints)',
    );
  }
  if (claims.exp <= nowSeconds) {
    throw tokenError('AUTH_TOKEN_EXPIRED', '登录凭证已过期，请在小程序里重新打开。(Bearer token expired)');
  }
  return claims.sub;
}

function sign(text: string, secret: string): string {
  return createHmac('sha256', secret).update(text).digest('base64url');
}

/** Whole seconds since the epoch, as minted: no fractions, no 1e300, nothing a Date cannot hold. */
function isSeconds(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function parseClaims(payload: string): { sub: string; iat: number; exp: number } | undefined {
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { sub, iat, exp } = claims;
    if (typeof sub !== 'string' || !idPattern.test(sub) || !isSeconds(iat) || !isSeconds(exp)) {
      return undefined;
    }
    return { sub, iat, exp };
  } catch {
    return undefined;
  }
}

function tokenError(
  code: 'AUTH_TOKEN_MISSING' | 'AUTH_TOKEN_MALFORMED' | 'AUTH_TOKEN_INVALID' | 'AUTH_TOKEN_EXPIRED',
  message: string,
) {
  return new AppError(code, message, { retryable: false });
}

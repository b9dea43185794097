import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mintAuthToken, verifyAuthToken } from '../../shared/auth/auth-token.js';
import { AppError } from '../../shared/errors/app-error.js';

const secret = 'a-test-secret-that-is-at-least-32-chars';
const issuedAt = new Date('2026-11-24T08:00:00.000Z');
const later = (seconds: number) => new Date(issuedAt.getTime() + seconds * 1000);

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(401);
    return (error as AppError).code;
  }
  return 'no error';
}

describe('bearer tokens for the HTTP path', () => {
  const minted = mintAuthToken('o_user_A', { secret, ttlSeconds: 1800, now: issuedAt });
  const header = `Bearer ${minted.token}`;

  it('vouches for the OPENID it was minted for until it expires', () => {
    expect(minted).toEqual({
      token: expect.stringMatching(/^v1\./),
      token_type: 'Bearer',
      expires_at: '2026-11-24T08:30:00.000Z',
    });
    expect(verifyAuthToken(header, { secret, now: issuedAt, maxLifetimeSeconds: 1800 })).toBe('o_user_A');
    expect(verifyAuthToken(header, { secret, now: later(1799), maxLifetimeSeconds: 1800 })).toBe('o_user_A');
    expect(
      codeOf(() => verifyAuthToken(header, { secret, now: later(1800), maxLifetimeSeconds: 1800 })),
    ).toBe('AUTH_TOKEN_EXPIRED');
  });

  it('refuses a missing header, and each kind of bad token with its own code', () => {
    const [version, payload, signature] = minted.token.split('.') as [string, string, string];
    const forgedPayload = Buffer.from(
      JSON.stringify({ sub: 'o_user_B', iat: 0, exp: 9_999_999_999 }),
    ).toString('base64url');
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    const cases: [string | undefined, string][] = [
      [undefined, 'AUTH_TOKEN_MISSING'],
      ['', 'AUTH_TOKEN_MISSING'],
      [minted.token, 'AUTH_TOKEN_MALFORMED'],
      [`Basic ${minted.token}`, 'AUTH_TOKEN_MALFORMED'],
      ['Bearer not-a-token', 'AUTH_TOKEN_MALFORMED'],
      [`Bearer v2.${payload}.${signature}`, 'AUTH_TOKEN_MALFORMED'],
      [`Bearer ${version}.${payload}.${signature}.extra`, 'AUTH_TOKEN_MALFORMED'],
      // Tampering: another user's id under the original signature, or a changed signature.
      [`Bearer ${version}.${forgedPayload}.${signature}`, 'AUTH_TOKEN_INVALID'],
      [`Bearer ${version}.${payload}.${flipped}`, 'AUTH_TOKEN_INVALID'],
      [`Bearer ${version}.${payload}.`, 'AUTH_TOKEN_MALFORMED'],
    ];
    for (const [given, code] of cases)
      expect(
        codeOf(() => verifyAuthToken(given, { secret, now: issuedAt, maxLifetimeSeconds: 1800 })),
        String(given),
      ).toBe(code);
  });

  it('refuses a token signed with another secret, and a well-signed token with a bad subject', () => {
    const other = mintAuthToken('o_user_A', { secret: `${secret}-rotated`, ttlSeconds: 60, now: issuedAt });
    expect(
      codeOf(() =>
        verifyAuthToken(`Bearer ${other.token}`, { secret, now: issuedAt, maxLifetimeSeconds: 1800 }),
      ),
    ).toBe('AUTH_TOKEN_INVALID');
    const badSubject = mintAuthToken('../etc', { secret, ttlSeconds: 60, now: issuedAt });
    expect(
      codeOf(() =>
        verifyAuthToken(`Bearer ${badSubject.token}`, { secret, now: issuedAt, maxLifetimeSeconds: 1800 }),
      ),
    ).toBe('AUTH_TOKEN_MALFORMED');
  });

  it('never puts the secret or the OPENID in its error messages', () => {
    try {
      verifyAuthToken(`Bearer v1.${Buffer.from('{}').toString('base64url')}.abc`, {
        secret,
        now: issuedAt,
        maxLifetimeSeconds: 1800,
      });
    } catch (error) {
      expect(JSON.stringify((error as AppError).toBody())).not.toContain(secret);
    }
  });

  /** A token signed with the right secret, whatever its claims: what a leaked secret or a bug could mint. */
  function signed(claims: Record<string, unknown>): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = createHmac('sha256', secret).update(`v1.${payload}`).digest('base64url');
    return `Bearer v1.${payload}.${signature}`;
  }
  const nowSeconds = issuedAt.getTime() / 1000;
  const verify = (header: string, maxLifetimeSeconds = 1800, now = issuedAt) =>
    codeOf(() => verifyAuthToken(header, { secret, now, maxLifetimeSeconds }));

  it('refuses a well-signed token whose lifetime is longer than AUTH_TOKEN_TTL_SECONDS', () => {
    expect(verify(signed({ sub: 'o_user_A', iat: nowSeconds, exp: 1e300 }))).toBe('AUTH_TOKEN_MALFORMED');
    expect(verify(signed({ sub: 'o_user_A', iat: nowSeconds, exp: nowSeconds + 1801 }))).toBe(
      'AUTH_TOKEN_INVALID',
    );
    expect(verify(signed({ sub: 'o_user_A', iat: 0, exp: nowSeconds + 60 }))).toBe('AUTH_TOKEN_INVALID');
    // Exactly the configured lifetime is what the service mints, and passes.
    expect(verify(signed({ sub: 'o_user_A', iat: nowSeconds, exp: nowSeconds + 1800 }))).toBe('no error');
    // Lowering the setting shortens the tokens already out.
    expect(verify(header, 600)).toBe('AUTH_TOKEN_INVALID');
  });

  it('refuses a token issued in the future, beyond a minute of clock skew', () => {
    const ahead = (seconds: number) =>
      signed({ sub: 'o_user_A', iat: nowSeconds + seconds, exp: nowSeconds + seconds + 1800 });
    expect(verify(ahead(30))).toBe('no error');
    expect(verify(ahead(3600))).toBe('AUTH_TOKEN_INVALID');
    expect(verify(ahead(10 ** 12))).toBe('AUTH_TOKEN_INVALID');
  });

  it('refuses times that are not whole seconds, are missing or run backwards', () => {
    const cases: Record<string, unknown>[] = [
      { iat: nowSeconds, exp: nowSeconds + 0.5 },
      { iat: nowSeconds + 0.25, exp: nowSeconds + 600 },
      { iat: nowSeconds, exp: Number.MAX_SAFE_INTEGER + 2 },
      { iat: -1, exp: nowSeconds + 60 },
      { exp: nowSeconds + 60 },
      { iat: String(nowSeconds), exp: nowSeconds + 60 },
      { iat: nowSeconds, exp: null },
    ];
    for (const claims of cases) {
      expect(verify(signed({ sub: 'o_user_A', ...claims })), JSON.stringify(claims)).toBe(
        'AUTH_TOKEN_MALFORMED',
      );
    }
    expect(verify(signed({ sub: 'o_user_A', iat: nowSeconds, exp: nowSeconds }))).toBe('AUTH_TOKEN_INVALID');
    expect(verify(signed({ sub: 'o_user_A', iat: nowSeconds, exp: nowSeconds - 5 }))).toBe(
      'AUTH_TOKEN_INVALID',
    );
  });
});

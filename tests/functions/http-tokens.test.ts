import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import type { HttpResponse } from '../../shared/http/http-event.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { adaptersUnderTest } from '../support/both-adapters.js';
import {
  recordingLogger,
  startTestServices,
  type TestServices,
  weChatContext,
} from '../support/test-services.js';

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});

const SECRET = 'http-token-secret-for-tests-0123456789';

describe.each(adaptersUnderTest(() => services))(
  'the HTTP path with bearer tokens ($name adapter)',
  (adapter) => {
    let now: number;
    beforeEach(async () => {
      await adapter.reset();
      services.model.reset();
      now = Date.parse('2026-11-24T08:00:00.000Z');
      return () => adapter.cleanup();
    });

    function functions(extra: Record<string, string> = { AUTH_TOKEN_SECRET: SECRET }) {
      const environment = { ...adapter.environment(extra), TENCENTCLOUD_RUNENV: 'SCF', MSG_SEC_CHECK: 'off' };
      const overrides = { logger: recordingLogger().logger, clock: () => new Date(now) };
      return {
        chat: createFunctionHandler(chatEndpoint, { environment, overrides }),
        history: createFunctionHandler(historyEndpoint, { environment, overrides }),
      };
    }
    const post = (path: string, body: unknown, authorization?: string) => ({
      path,
      httpMethod: 'POST',
      headers: authorization === undefined ? {} : { Authorization: authorization },
      body: JSON.stringify(body),
      isBase64Encoded: false,
    });
    const get = (query: Record<string, string>, authorization?: string) => ({
      path: '/api/chat/history',
      httpMethod: 'GET',
      headers: authorization === undefined ? {} : { authorization },
      queryStringParameters: query,
      body: null,
      isBase64Encoded: false,
    });
    const parsed = (response: unknown) => {
      const http = response as HttpResponse;
      return { status: http.statusCode, body: JSON.parse(http.body) };
    };

    async function tokenFor(openId: string, handlers = functions()) {
      const minted = (await handlers.chat({ action: 'token' }, weChatContext(openId))) as {
        token: string;
        expires_at: string;
      };
      return minted;
    }

    it('serves a caller whose token the mini-program minted, as that OPENID whatever the body says', async () => {
      const handlers = functions();
      const minted = await tokenFor('o_alice', handlers);
      expect(minted.expires_at).toBe('2026-11-24T08:30:00.000Z');
      const bearer = `Bearer ${minted.token}`;
      const sent = parsed(
        await handlers.chat(
          post('/api/chat', { user_id: 'o_bob', session_id: 's1', message: '你好' }, bearer),
        ),
      );
      expect(sent.status).toBe(200);
      // Written under the token's OPENID: alice sees it through the mini-program, bob does not.
      const alice = (await handlers.history({ session_id: 's1' }, weChatContext('o_alice'))) as {
        messages: unknown[];
      };
      const bob = (await handlers.history({ session_id: 's1' }, weChatContext('o_bob'))) as {
        messages: unknown[];
      };
      expect(alice.messages).toHaveLength(2);
      expect(bob.messages).toHaveLength(0);
      const overHttp = parsed(await handlers.history(get({ session_id: 's1', user_id: 'o_bob' }, bearer)));
      expect(overHttp.body.messages).toHaveLength(2);
    });

    it('refuses missing, malformed, tampered and expired tokens with distinct 401 codes, storing nothing', async () => {
      const handlers = functions();
      const { token } = await tokenFor('o_alice', handlers);
      const [version, payload, signature] = token.split('.') as [string, string, string];
      const forged = Buffer.from(JSON.stringify({ sub: 'o_bob', iat: 0, exp: 9_999_999_999 })).toString(
        'base64url',
      );
      const cases: [string | undefined, string][] = [
        [undefined, 'AUTH_TOKEN_MISSING'],
        [`Token ${token}`, 'AUTH_TOKEN_MALFORMED'],
        [`Bearer ${version}.${forged}.${signature}`, 'AUTH_TOKEN_INVALID'],
      ];
      for (const [authorization, code] of cases) {
        const refused = parsed(
          await handlers.chat(post('/api/chat', { session_id: 's1', message: '你好' }, authorization)),
        );
        expect([refused.status, refused.body.error.code]).toEqual([401, code]);
      }
      now += 31 * 60 * 1000;
      const expired = parsed(
        await handlers.history(get({ session_id: 's1' }, `Bearer ${version}.${payload}.${signature}`)),
      );
      expect([expired.status, expired.body.error.code]).toEqual([401, 'AUTH_TOKEN_EXPIRED']);
      expect(services.model.requests()).toHaveLength(0);
    });

    it('caps a token at AUTH_TOKEN_TTL_SECONDS in both functions, however it was signed', async () => {
      const day = functions({ AUTH_TOKEN_SECRET: SECRET, AUTH_TOKEN_TTL_SECONDS: '86400' });
      const { token } = await tokenFor('o_alice', day);
      // History reads the same setting (cloudbaserc.json passes it), so a day-long token works there too.
      const read = parsed(await day.history(get({ session_id: 's1' }, `Bearer ${token}`)));
      expect(read.status).toBe(200);
      // Under the default half hour, the same well-signed token claims too long a life.
      const halfHour = functions();
      const refused = parsed(await halfHour.history(get({ session_id: 's1' }, `Bearer ${token}`)));
      expect([refused.status, refused.body.error.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
      // A token signed with the right secret that claims to last forever.
      const iat = Math.floor(now / 1000);
      const forever = Buffer.from(JSON.stringify({ sub: 'o_alice', iat, exp: 1e300 })).toString('base64url');
      const signature = createHmac('sha256', SECRET).update(`v1.${forever}`).digest('base64url');
      const endless = parsed(
        await halfHour.chat(
          post('/api/chat', { session_id: 's1', message: '你好' }, `Bearer v1.${forever}.${signature}`),
        ),
      );
      expect([endless.status, endless.body.error.code]).toEqual([401, 'AUTH_TOKEN_MALFORMED']);
      expect(services.model.requests()).toHaveLength(0);
    });

    it('keeps the HTTP path closed without a secret, and mints tokens only through callFunction', async () => {
      const closed = functions({});
      const refused = parsed(
        await closed.chat(post('/api/chat', { session_id: 's1', message: '你好' }, 'Bearer x.y.z')),
      );
      expect([refused.status, refused.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
      expect(
        ((await closed.chat({ action: 'token' }, weChatContext('o_alice'))) as { error: { code: string } })
          .error.code,
      ).toBe('INVALID_INPUT');

      const handlers = functions();
      const { token } = await tokenFor('o_alice', handlers);
      const renewal = parsed(await handlers.chat(post('/api/chat', { action: 'token' }, `Bearer ${token}`)));
      expect([renewal.status, renewal.body.error.code]).toEqual([400, 'INVALID_INPUT']);
    });
  },
);

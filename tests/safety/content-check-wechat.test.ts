import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load-config.js';
import { AppError } from '../../shared/errors/app-error.js';
import { describeCause } from '../../shared/logging/logger.js';
import type { ContentCheck, ContentCheckInput } from '../../shared/safety/content-check.js';
import { createWeChatContentCheck } from '../../shared/safety/wechat-content-check.js';
import type { CloudbaseEmulator } from '../fakes/cloudbase-database-emulator.js';
import { startTestServices, type TestServices } from '../support/test-services.js';

// The real SDK sends the invocation's WX_API_TOKEN as wxCloudApiToken, and reads it only when
// WX_CONTEXT_KEYS lists it, as the platform sets both for a call from the mini-program.
const API_TOKEN = 'test-wx-api-token';
const savedEnvironment = {
  WX_API_TOKEN: process.env.WX_API_TOKEN,
  WX_CONTEXT_KEYS: process.env.WX_CONTEXT_KEYS,
};

let services: TestServices;
let emulator: CloudbaseEmulator;
let wechat: ContentCheck;

function withCheck(timeoutMs: number): ContentCheck {
  return createWeChatContentCheck({ cloudbase: loadConfig(services.environment()).cloudbase, timeoutMs });
}

function input(content: string, extra: Partial<ContentCheckInput> = {}): ContentCheckInput {
  return { openid: 'o-user-1', scene: 2, content, ...extra };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('CONTENT_CHECK_UNAVAILABLE');
    expect((error as AppError).status).toBe(503);
    return error as AppError;
  }
  throw new Error('expected the check to fail');
}

beforeAll(async () => {
  services = await startTestServices();
  emulator = services.emulator;
  wechat = withCheck(2_000);
});

afterAll(async () => {
  for (const [key, value] of Object.entries(savedEnvironment)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await services.close();
});

beforeEach(() => {
  process.env.WX_API_TOKEN = API_TOKEN;
  process.env.WX_CONTEXT_KEYS = 'WX_OPENID,WX_APPID,WX_API_TOKEN';
  emulator.weChat.reset();
  emulator.weChat.setRules([
    { contains: '违禁货源', suggest: 'risky', label: 20006 },
    { contains: '擦边', suggest: 'review', label: 20012 },
  ]);
});

afterEach(() => {
  emulator.weChat.clearFaults();
});

describe('WeChat msgSecCheck through the real SDK', () => {
  it('passes ordinary text, sending openid, scene, version 2 and the token as wx-server-sdk does', async () => {
    const result = await wechat.check(input('今天有点累，但还好', { scene: 1 }));
    expect(result).toEqual({ verdict: 'pass', label: 100, traceId: expect.stringMatching(/^fake-/) });
    expect(emulator.weChat.requests()).toEqual([
      {
        apiName: 'security.msgSecCheck',
        envName: emulator.envId,
        apiToken: API_TOKEN,
        apiType: 0,
        openid: 'o-user-1',
        scene: 1,
        version: 2,
        content: '今天有点累，但还好',
        contentLength: 9,
      },
    ]);
    expect(emulator.requestCount('wx.openApi')).toBe(1);
  });

  it('judges by result.suggest: risky and review come with errcode 0', async () => {
    await expect(wechat.check(input('这里有违禁货源'))).resolves.toMatchObject({
      verdict: 'risky',
      label: 20006,
    });
    await expect(wechat.check(input('有点擦边的话'))).resolves.toMatchObject({
      verdict: 'review',
      label: 20012,
    });
  });

  it('skips empty content without a call', async () => {
    await expect(wechat.check(input('  \n'))).resolves.toEqual({ verdict: 'pass' });
    expect(emulator.weChat.requests()).toHaveLength(0);
  });

  it.each([
    [{ errcode: -1, errmsg: 'system error' }, 'detail:msgSecCheck errcode -1', true],
    [{ errcode: 61010, errmsg: 'user access expired' }, 'detail:msgSecCheck errcode 61010', false],
    [{ channelErrorCode: -604101 }, 'detail:wx.openApi error_code -604101', false],
    [{ httpStatus: 500 }, 'detail:cloudbase 500', true],
    [{ cloudbaseCode: 'SYS_ERR' }, 'detail:cloudbase SYS_ERR', false],
    [{ garbage: true }, 'detail:wx.openApi reply is not protobuf', false],
  ])('reports %o as CONTENT_CHECK_UNAVAILABLE', async (fault, cause, retryable) => {
    emulator.weChat.inject(fault);
    const error = await failure(wechat.check(input('随便聊聊')));
    expect(describeCause(error)).toBe(cause);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toMatch(/^内容安全检查暂时不可用/);
  });

  it('gives up on a slow WeChat at its timeout', async () => {
    emulator.weChat.inject({ delayMs: 3_000 });
    const check = withCheck(300);
    const started = Date.now();
    const error = await failure(check.check(input('随便聊聊')));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(describeCause(error)).toBe('detail:timeout after 300 ms');
    expect(error.retryable).toBe(true);
  });

  it("stops when the caller's signal fires", async () => {
    emulator.weChat.inject({ delayMs: 3_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(wechat.check(input('随便聊聊', { signal: controller.signal })));
    expect(describeCause(error)).toBe('detail:aborted by the caller');
  });

  it('cannot check without the WX_API_TOKEN of a mini-program invocation', async () => {
    delete process.env.WX_API_TOKEN;
    const error = await failure(wechat.check(input('随便聊聊')));
    expect(describeCause(error)).toBe('detail:cloudbase PERMISSION_DENIED');
    expect(emulator.weChat.requests()).toHaveLength(0);
  });

  describe('content over 2500 characters', () => {
    const first = `${'一'.repeat(2400)}。`;
    const long = `${first}${'二'.repeat(2500)}${'三'.repeat(1000)}违禁货源`;

    it('is checked in chunks of at most 2500 characters, the worst verdict winning', async () => {
      await expect(wechat.check(input(long))).resolves.toMatchObject({ verdict: 'risky', label: 20006 });
      const requests = emulator.weChat.requests();
      expect(requests).toHaveLength(3);
      expect(requests.every((request) => request.contentLength <= 2500)).toBe(true);
      // Cut at the sentence end near the limit, and nothing lost or repeated.
      expect(requests.map((request) => request.content).sort()).toContain(first);
      expect(requests.reduce((total, request) => total + request.contentLength, 0)).toBe(
        Array.from(long).length,
      );
    });

    it('is risky when a risky chunk is found even if another chunk fails', async () => {
      emulator.weChat.inject({ errcode: -1, contentIncludes: '一' });
      await expect(wechat.check(input(long))).resolves.toMatchObject({ verdict: 'risky' });
    });

    it('is unavailable when a chunk fails and none is risky', async () => {
      emulator.weChat.inject({ errcode: -1, contentIncludes: '一' });
      await failure(wechat.check(input(long.replace('违禁货源', ''))));
    });
  });
});

import { readPlatformOpenId } from '../cloudbase/cloudbase-sdk.js';
import { AppError } from '../errors/app-error.js';
import { idPattern } from '../storage/session-document.js';

export type Transport = 'call-function' | 'http';

/**
 * Who is calling. On the platform a `wx.cloud.callFunction` caller is the OPENID WeChat injected into the
 * invocation context, never a body field; an HTTP access caller is who its bearer token names
 * (authenticate-http.ts), and reaches this only without one, to be refused. Off the platform (local runs,
 * tests) a simulated context wins, else the body's `user_id`.
 */
export async function resolveUserId(options: {
  transport: Transport;
  onPlatform: boolean;
  context: unknown;
  requestedUserId: string | undefined;
}): Promise<string> {
  if (options.onPlatform && options.transport === 'http') throw httpAccessRefused();
  const openId = options.transport === 'call-function' ? await readCallerOpenId(options.context) : undefined;
  if (openId !== undefined) {
    if (!idPattern.test(openId))
      throw new AppError('UNAUTHENTICATED', '无法识别你的身份，请重新打开小程序。(Bad OPENID)');
    return openId;
  }
  if (options.onPlatform) {
    throw new AppError(
      'UNAUTHENTICATED',
      '无法识别你的身份，请重新打开小程序。(No OPENID in the invocation context)',
    );
  }
  if (options.requestedUserId === undefined) {
    throw new AppError('INVALID_INPUT', '缺少用户 ID (user_id)。(Missing user_id)', { field: 'user_id' });
  }
  return options.requestedUserId;
}

/** HTTP access on the platform without AUTH_TOKEN_SECRET: there is no way to trust who is calling. */
export function httpAccessRefused(): AppError {
  return new AppError(
    'UNAUTHENTICATED',
    '请通过小程序访问，HTTP 接口未开放。(HTTP access is closed: no AUTH_TOKEN_SECRET is configured)',
  );
}

/** The OPENID in this invocation's context, if any; a context the SDK cannot parse carries none. */
export async function readCallerOpenId(context: unknown): Promise<string | undefined> {
  try {
    return await readPlatformOpenId(context);
  } catch {
    // A context the SDK cannot parse carries no identity; the caller decides what that means.
    return undefined;
  }
}

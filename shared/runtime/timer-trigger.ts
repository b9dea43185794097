import { AppError } from '../errors/app-error.js';
import type { CallRequest } from './app-request.js';
import type { AnyEndpoint } from './endpoint.js';
import { readCallerOpenId } from './resolve-user-id.js';

/**
 * The timer work this call starts, if it is a timer's: an event of the timer's shape to an endpoint with a
 * timer, and no caller identity in the context (a mini-program call always carries one, and is served as
 * an ordinary request whatever its shape). A timer of another name is refused.
 */
export async function timerWork(
  endpoint: AnyEndpoint,
  request: CallRequest,
): Promise<NonNullable<AnyEndpoint['timer']> | undefined> {
  const { timer } = endpoint;
  if (timer === undefined || request.timerName === undefined) return undefined;
  if ((await readCallerOpenId(request.context)) !== undefined) return undefined;
  if (request.timerName !== timer.name) {
    throw new AppError('INVALID_INPUT', '没有这个定时任务。(Unknown timer trigger)', {
      field: 'TriggerName',
    });
  }
  return timer;
}

import { AppError } from '../errors/app-error.js';
import type { HistoryActionName } from './history-request.js';

type HttpMethod = 'GET' | 'POST';

/**
 * The one method each action takes over HTTP access: GET for reads, POST for deletions, so a link, a
 * prefetch or a crawler can never delete anything. `wx.cloud.callFunction` has no method.
 */
const HTTP_METHODS: Record<HistoryActionName, HttpMethod> = {
  labels: 'GET',
  messages: 'GET',
  sessions: 'GET',
  export: 'GET',
  delete_session: 'POST',
  delete_all: 'POST',
  memory: 'GET',
  memory_settings: 'POST',
  memory_add: 'POST',
  memory_update: 'POST',
  memory_delete: 'POST',
  memory_clear: 'POST',
  rename_session: 'POST',
  feedback: 'POST',
};

/**
 * The HTTP method the request's action takes, read before anything else is validated, so a deletion
 * sent by GET is refused as such; undefined when the action is not valid (parsing then says why).
 */
export function httpMethodForHistory(raw: unknown): HttpMethod | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { action = 'messages' } = raw as Record<string, unknown>;
  return isActionName(action) ? HTTP_METHODS[action] : undefined;
}

export function actionName(body: Record<string, unknown>): HistoryActionName {
  // Only an absent action is the default; `null` or any other value is refused.
  const { action = 'messages' } = body;
  if (isActionName(action)) return action;
  throw new AppError(
    'INVALID_INPUT',
    `操作 (action) 不支持，可选：${Object.keys(HTTP_METHODS).join('、')}。(Invalid field: action)`,
    { field: 'action' },
  );
}

function isActionName(value: unknown): value is HistoryActionName {
  return typeof value === 'string' && Object.hasOwn(HTTP_METHODS, value);
}

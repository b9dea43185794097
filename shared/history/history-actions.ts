import * as z from 'zod/mini';
import { AppError } from '../errors/app-error.js';
import type { UsageStore } from '../limits/usage-store.js';
import type { Logger } from '../logging/logger.js';
import type { PromptAssets } from '../prompt/load-prompt-assets.js';
import type { SessionStore } from '../storage/session-store.js';
import { idField, toInputError } from '../validation/request-fields.js';
import { describeLabels } from './describe-labels.js';
import { handleHistory } from './handle-history.js';
import {
  handleDeleteAll,
  handleDeleteSession,
  handleExport,
  handleListSessions,
} from './handle-privacy-request.js';
import { parseHistoryRequest } from './parse-history-request.js';

/**
 * The `history` function's actions, picked by the request's `action` (default `messages`). Each entry
 * parses its own fields and says which HTTP method it takes; adding an action is adding an entry.
 */

export interface HistoryDependencies {
  store: SessionStore;
  prompt: Pick<PromptAssets, 'labelSet'>;
  config: { aiLabelText: string | undefined };
  usage?: UsageStore | undefined;
  clock: () => Date;
  logger: Logger;
}

/** A validated request of one action, ready to run once the runtime has resolved who the caller is. */
export interface HistoryActionRequest {
  action: HistoryActionName;
  /** The body's `user_id`: only used off the platform, where there is no trusted identity. */
  userId: string | undefined;
  run(userId: string, dependencies: HistoryDependencies): Promise<unknown>;
}

type HttpMethod = 'GET' | 'POST';

interface HistoryAction {
  /**
   * The one method this action takes over HTTP access: GET for reads, POST for deletions, so a link, a
   * prefetch or a crawler can never delete anything. `wx.cloud.callFunction` has no method.
   */
  httpMethod: HttpMethod;
  parse(body: Record<string, unknown>): Omit<HistoryActionRequest, 'action'>;
}

/** The text `delete_all` needs in `confirm`, so a stray or replayed call cannot wipe a user's data. */
export const DELETE_ALL_CONFIRMATION = 'DELETE_ALL';
export const SESSIONS_DEFAULT_LIMIT = 100;

const sessionsSchema = z.object({
  user_id: z.optional(idField),
  // Query strings carry numbers as text; the callFunction path sends real numbers.
  limit: z._default(
    z.coerce.number().check(z.refine(Number.isInteger), z.gte(1), z.lte(SESSIONS_DEFAULT_LIMIT)),
    SESSIONS_DEFAULT_LIMIT,
  ),
});
const labelsSchema = z.object({ user_id: z.optional(idField) });
const exportSchema = z.object({ user_id: z.optional(idField), cursor: z.optional(idField) });
const deleteSessionSchema = z.object({ user_id: z.optional(idField), session_id: idField });
const deleteAllSchema = z.object({ user_id: z.optional(idField), confirm: z.optional(z.unknown()) });

const historyActions = {
  labels: {
    httpMethod: 'GET',
    parse: (body) => {
      const { user_id } = parseFields(labelsSchema, body);
      return {
        userId: user_id,
        run: async (_userId, dependencies) => describeLabels(dependencies.prompt.labelSet),
      };
    },
  },
  messages: {
    httpMethod: 'GET',
    parse: (body) => {
      const request = parseHistoryRequest(body);
      return {
        userId: request.userId,
        run: (userId, dependencies) => handleHistory({ ...request, userId }, dependencies),
      };
    },
  },
  sessions: {
    httpMethod: 'GET',
    parse: (body) => {
      const { user_id, limit } = parseFields(sessionsSchema, body);
      return {
        userId: user_id,
        run: (userId, dependencies) => handleListSessions({ userId, limit }, dependencies),
      };
    },
  },
  export: {
    httpMethod: 'GET',
    parse: (body) => {
      const { user_id, cursor } = parseFields(exportSchema, body);
      return {
        userId: user_id,
        run: (userId, dependencies) => handleExport({ userId, cursor }, dependencies),
      };
    },
  },
  delete_session: {
    httpMethod: 'POST',
    parse: (body) => {
      const { user_id, session_id } = parseFields(deleteSessionSchema, body);
      return {
        userId: user_id,
        run: (userId, dependencies) => handleDeleteSession({ userId, sessionId: session_id }, dependencies),
      };
    },
  },
  delete_all: {
    httpMethod: 'POST',
    parse: (body) => {
      const { user_id, confirm } = parseFields(deleteAllSchema, body);
      if (confirm !== DELETE_ALL_CONFIRMATION) {
        throw new AppError(
          'CONFIRMATION_REQUIRED',
          `删除全部对话需要确认：请带上 confirm: "${DELETE_ALL_CONFIRMATION}"。(Confirmation required)`,
          { field: 'confirm' },
        );
      }
      return { userId: user_id, run: (userId, dependencies) => handleDeleteAll({ userId }, dependencies) };
    },
  },
} satisfies Record<string, HistoryAction>;

export type HistoryActionName = keyof typeof historyActions;

/** Validates a history request: the action first, then that action's own fields. */
export function parseHistoryAction(raw: unknown): HistoryActionRequest {
  const body = asObject(raw);
  const action = actionName(body);
  return { action, ...historyActions[action].parse(body) };
}

/**
 * The HTTP method the request's action takes, read before anything else is validated, so a deletion
 * sent by GET is refused as such; undefined when the action is not valid (parsing then says why).
 */
export function httpMethodForHistory(raw: unknown): HttpMethod | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { action = 'messages' } = raw as Record<string, unknown>;
  return isActionName(action) ? historyActions[action].httpMethod : undefined;
}

function actionName(body: Record<string, unknown>): HistoryActionName {
  // Only an absent action is the default; `null` or any other value is refused.
  const { action = 'messages' } = body;
  if (isActionName(action)) return action;
  throw new AppError(
    'INVALID_INPUT',
    `操作 (action) 不支持，可选：${Object.keys(historyActions).join('、')}。(Invalid field: action)`,
    { field: 'action' },
  );
}

function isActionName(value: unknown): value is HistoryActionName {
  return typeof value === 'string' && Object.hasOwn(historyActions, value);
}

function asObject(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AppError('INVALID_INPUT', '请求内容必须是一个 JSON 对象。(Body must be a JSON object)', {
      field: 'body',
    });
  }
  return raw as Record<string, unknown>;
}

const idFields: ReadonlySet<PropertyKey> = new Set(['user_id', 'session_id', 'cursor']);

function parseFields<Schema extends z.ZodMiniType>(
  schema: Schema,
  body: Record<string, unknown>,
): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw toInputError(parsed.error, body, (path) =>
      path[0] !== undefined && idFields.has(path[0]) ? 'INVALID_ID' : 'INVALID_INPUT',
    );
  }
  return parsed.data;
}

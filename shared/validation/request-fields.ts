import * as z from 'zod/mini';
import { AppError, type ErrorCode } from '../errors/app-error.js';
import { idPattern } from '../storage/session-document.js';

export const idField = z.string().check(z.regex(idPattern));

/** ISO 8601 date-time with a zone (Z or ±hh:mm), the format the mini-program sends. */
export const timestampField = z.iso.datetime({ offset: true });

const fieldNames: Record<string, string> = {
  user_id: '用户 ID (user_id)',
  session_id: '会话 ID (session_id)',
  message: '消息 (message)',
  timestamp: '时间 (timestamp)',
  history: '历史记录 (history)',
  before: '分页位置 (before)',
  cursor: '分页位置 (cursor)',
  limit: '条数 (limit)',
  enabled: '开关 (enabled)',
  id: '记忆 ID (id)',
  text: '记忆内容 (text)',
  title: '会话标题 (title)',
  message_id: '消息 ID (message_id)',
  rating: '评价 (rating)',
  reason: '反馈原因 (reason)',
};

/**
 * Turns the first zod issue into one stable code and a Chinese-first message that names the field but
 * never repeats its value (it may be the user's message). A missing field is always INVALID_INPUT.
 */
export function toInputError(
  error: z.core.$ZodError,
  input: unknown,
  codeForField: (path: PropertyKey[]) => ErrorCode,
): AppError {
  const issue = error.issues[0];
  const path = issue?.path ?? [];
  const top = String(path[0] ?? '');
  const fieldLabel = fieldNames[top] ?? (top === '' ? '请求' : top);
  const where =
    path.length > 1 ? `${fieldLabel} 第 ${Number(path[1]) + 1} 条的 ${String(path[2] ?? '')}` : fieldLabel;
  const missing = issue?.code === 'invalid_type' && valueAt(input, path) === undefined;
  const code = missing ? 'INVALID_INPUT' : codeForField(path);
  const described = missing
    ? `缺少${where}。`
    : code === 'INVALID_ID'
      ? `${where} 只能包含字母、数字、下划线和连字符，长度 1～64。`
      : code === 'INVALID_TIMESTAMP'
        ? `${where} 必须是带时区的 ISO 8601 时间，例如 2023-04-01T12:00:00Z。`
        : `${where} 格式不正确。`;
  return new AppError(code, `${described} (Invalid field: ${path.join('.') || 'body'})`, {
    field: path.join('.') || 'body',
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

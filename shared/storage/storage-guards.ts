import { AppError } from '../errors/app-error.js';
import { idPattern, type SessionKey } from './session-document.js';
import { isKeyableId } from './session-record.js';

/** Adapters check ids themselves too: they are the last line before a file path or a database key. */
export function assertUserId(userId: string): void {
  if (!idPattern.test(userId)) throw new AppError('INVALID_ID', 'user_id 格式不正确。', { field: 'user_id' });
}

export function assertSessionKey(key: SessionKey): void {
  assertUserId(key.userId);
  if (!idPattern.test(key.sessionId)) {
    throw new AppError('INVALID_ID', 'session_id 格式不正确。', { field: 'session_id' });
  }
}

/** Ids become field names of the maps; the service's own ids always match the id pattern. */
export function assertKeyable(id: string, field: string): void {
  if (!isKeyableId(id)) throw new AppError('INVALID_ID', `${field} 格式不正确。`, { field });
}

/** Any failure of the storage backend becomes one retryable code; its text (paths, hosts) stays in `cause`. */
export async function storageCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('STORAGE_UNAVAILABLE', '保存对话时出了点问题，请稍后再试。(Storage unavailable)', {
      cause: error,
    });
  }
}

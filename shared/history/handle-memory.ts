import { AppError } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';
import type { MemoryItem, UserMemory } from '../memory/memory-document.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { SessionStore } from '../storage/session-store.js';
import type { MemoryRequest, SessionNoteRequest } from './parse-memory-request.js';

/**
 * The user's memory (知己档案) and a session's title and feedback, each scoped to the caller the runtime
 * resolved. Logs say what happened, never the texts.
 */
export interface MemoryDependencies {
  memory: MemoryStore;
  store: SessionStore;
  clock: () => Date;
  logger: Logger;
}

type Caller = { userId: string };

export async function handleMemoryRequest(
  request: MemoryRequest & Caller,
  dependencies: MemoryDependencies,
): Promise<UserMemory | { enabled: boolean } | { item: MemoryItem } | { deleted: boolean | number }> {
  const { memory, logger } = dependencies;
  const now = dependencies.clock().toISOString();
  switch (request.action) {
    case 'memory':
      return memory.read(request.userId);
    case 'memory_settings': {
      const enabled = await memory.setEnabled(request.userId, request.enabled, now);
      logger.info('memory.settings', { enabled });
      return { enabled };
    }
    case 'memory_add':
      return { item: await memory.addItem(request.userId, request.text, now) };
    case 'memory_update':
      return { item: await memory.updateItem(request.userId, request.id, request.text, now) };
    case 'memory_delete':
      return { deleted: await memory.deleteItem(request.userId, request.id, now) };
    case 'memory_clear': {
      const deleted = await memory.clearItems(request.userId, now);
      logger.info('memory.cleared', { deleted });
      return { deleted };
    }
  }
}

export async function handleSessionNote(
  request: SessionNoteRequest & Caller,
  dependencies: MemoryDependencies,
): Promise<{ session_id: string; title: string } | { message_id: string; rating: 'up' | 'down' }> {
  if (request.action === 'rename_session') {
    const key = { userId: request.userId, sessionId: request.sessionId };
    if (!(await dependencies.store.setSessionTitle(key, request.title, 'user'))) {
      // Never created, deleted, or someone else's: the same answer, so ids cannot be probed.
      throw new AppError('SESSION_NOT_FOUND', '没有找到这个会话。(Session not found)', {
        field: 'session_id',
      });
    }
    return { session_id: request.sessionId, title: request.title };
  }
  const result = await dependencies.store.recordFeedback(request.userId, {
    messageId: request.messageId,
    rating: request.rating,
    reason: request.reason,
    now: dependencies.clock().toISOString(),
  });
  if (result.status === 'not_found') {
    throw new AppError('MESSAGE_NOT_FOUND', '没有找到这条消息。(Message not found)', { field: 'message_id' });
  }
  if (result.status === 'not_a_reply') {
    throw new AppError(
      'FEEDBACK_NOT_ALLOWED',
      '只能评价知己的回复。(Feedback is only for the companion’s replies)',
      { field: 'message_id' },
    );
  }
  dependencies.logger.info('feedback.stored', {
    rating: request.rating,
    with_reason: request.reason !== undefined,
  });
  return { message_id: request.messageId, rating: request.rating };
}

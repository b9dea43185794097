import type { UsageStore } from '../limits/usage-store.js';
import type { Logger } from '../logging/logger.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { PromptAssets } from '../prompt/load-prompt-assets.js';
import type { SessionStore } from '../storage/session-store.js';
import { describeLabels } from './describe-labels.js';
import { handleExport } from './export-sessions.js';
import { handleMemoryRequest, handleSessionNote } from './handle-memory.js';
import { handleDeleteAll, handleDeleteSession, handleListSessions } from './handle-privacy-request.js';
import type { HistoryRequest } from './parse-history-request.js';
import { readMessages } from './read-messages.js';

export interface HistoryDependencies {
  store: SessionStore;
  memory: MemoryStore;
  prompt: Pick<PromptAssets, 'labelSet'>;
  config: { aiLabelText: string | undefined };
  usage?: UsageStore | undefined;
  clock: () => Date;
  logger: Logger;
}

/**
 * Runs a validated history request (parse-history-request.ts) for the caller the runtime resolved:
 * `userId` here is that caller, never a body field on the platform.
 */
export function handleHistory(
  request: HistoryRequest & { userId: string },
  dependencies: HistoryDependencies,
): Promise<unknown> {
  switch (request.action) {
    case 'messages':
      return readMessages(request, dependencies);
    case 'labels':
      return Promise.resolve(describeLabels(dependencies.prompt.labelSet));
    case 'sessions':
      return handleListSessions(request, dependencies);
    case 'export':
      return handleExport(request, dependencies);
    case 'delete_session':
      return handleDeleteSession(request, dependencies);
    case 'delete_all':
      return handleDeleteAll(request, dependencies);
    case 'memory':
    case 'memory_settings':
    case 'memory_add':
    case 'memory_update':
    case 'memory_delete':
    case 'memory_clear':
      return handleMemoryRequest(request, dependencies);
    case 'rename_session':
    case 'feedback':
      return handleSessionNote(request, dependencies);
  }
}

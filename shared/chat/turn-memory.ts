import { AppError } from '../errors/app-error.js';
import { describeCause } from '../logging/logger.js';
import type { MemoryDocument } from '../memory/memory-document.js';
import { presentMemory } from '../memory/memory-document.js';
import type { TurnContext } from './turn-context.js';

/** The longest the memory read may hold a turn up; past it the turn goes on without the memory. */
const MEMORY_WAIT_MS = 1_000;

/**
 * The user's memory, read beside the session (read-session.ts): its items reach the context only while
 * the user has it on. A user this instance saw with the memory off a moment ago is not read again
 * (memory-off-users.ts). Never rejects: a memory that cannot be read leaves the turn without it, logged.
 */
export async function readTurnMemory(turn: TurnContext): Promise<void> {
  const memory = turn.ports.memory;
  if (memory === undefined) return;
  const { budget } = turn;
  const { userId } = turn.request;
  if (memory.offUsers.isOff(userId, budget.now())) return;
  const waitMs = Math.min(MEMORY_WAIT_MS, (budget.modelDeadlineAt - budget.now()) / 4);
  try {
    const document = await budget.within(
      memory.store.readDocument(userId),
      budget.now() + waitMs,
      () => new AppError('STORAGE_UNAVAILABLE', 'memory did not answer in time'),
    );
    if (document?.enabled !== true) {
      memory.offUsers.rememberOff(userId, budget.now());
      return;
    }
    turn.memoryDocument = document;
    turn.memory = itemsByImportance(document);
  } catch (error) {
    turn.logger.warn('memory.not_read', { cause: describeCause(error) });
  }
}

/** What the person wrote themselves first, then what the model learned, the most recent first. */
function itemsByImportance(document: MemoryDocument): string[] {
  const { items } = presentMemory(document);
  const users = items.filter((item) => item.source === 'user');
  const learned = items
    .filter((item) => item.source === 'model')
    .sort((left, right) => right.updated_at.localeCompare(left.updated_at));
  return [...users, ...learned].map((item) => item.text);
}

import { AppError } from '../../shared/errors/app-error.js';
import type { MemoryDocument } from '../../shared/memory/memory-document.js';
import { type MemoryBackend, type MemoryStore, memoryStoreOver } from '../../shared/memory/memory-store.js';

type Operation = 'load' | 'update';

/**
 * Users' memories in memory, under the real rules (memoryStoreOver), counting requests the way the
 * CloudBase adapter makes them (a change reads unless it is given the document; then one write), with
 * faults a test can plant: fail, or never answer.
 */
export class MemoryBackendInMemory {
  readonly documents = new Map<string, MemoryDocument>();
  readonly calls: Operation[] = [];
  private readonly faults = new Map<Operation, ('unavailable' | 'hang')[]>();
  private nextId = 0;
  readonly store: MemoryStore;

  constructor() {
    const backend: MemoryBackend = {
      load: async (userId) => {
        await this.enter('load');
        return structuredClone(this.documents.get(userId));
      },
      update: async (userId, decide, known) => {
        for (let attempt = 0; attempt < 5; attempt += 1) {
          const current =
            attempt === 0 && known !== undefined ? known : structuredClone(this.documents.get(userId));
          if (!(attempt === 0 && known !== undefined)) this.calls.push('load');
          const { next, value } = decide(structuredClone(current));
          if (next === undefined) return value;
          await this.enter('update');
          // As the CloudBase adapter's condition: the same revision of the same document.
          const stored = this.documents.get(userId);
          if (
            stored?.revision !== current?.revision ||
            stored?.created_at !== current?.created_at ||
            stored?.generation !== current?.generation
          )
            continue;
          this.documents.set(userId, structuredClone(next));
          return value;
        }
        throw new Error('memory write did not settle');
      },
      remove: async (userId, updatedBefore) => {
        const stored = this.documents.get(userId);
        if (stored === undefined || (updatedBefore !== undefined && stored.updated_at >= updatedBefore)) {
          return false;
        }
        return this.documents.delete(userId);
      },
      listOwnersUpdatedBefore: async (cutoffIso, limit, afterUserId) =>
        [...this.documents.values()]
          .filter((document) => document.updated_at < cutoffIso)
          .map((document) => document.user_id)
          .filter((userId) => afterUserId === undefined || userId > afterUserId)
          .sort()
          .slice(0, limit),
    };
    this.store = memoryStoreOver(backend, () => {
      this.nextId += 1;
      return `mem_${this.nextId}`;
    });
  }

  fail(operation: Operation, ...faults: ('unavailable' | 'hang')[]): void {
    this.faults.set(operation, [...(this.faults.get(operation) ?? []), ...faults]);
  }

  private async enter(operation: Operation): Promise<void> {
    this.calls.push(operation);
    const fault = this.faults.get(operation)?.shift();
    if (fault === 'hang') await new Promise(() => {});
    if (fault === 'unavailable') throw new AppError('STORAGE_UNAVAILABLE', 'planted memory fault');
  }

  texts(userId: string): string[] {
    return Object.values(this.documents.get(userId)?.items ?? {}).map((item) => item.text);
  }
}

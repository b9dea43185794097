import { AppError } from '../../shared/errors/app-error.js';
import type { SessionDocument, SessionKey } from '../../shared/storage/session-document.js';
import type { SessionStore } from '../../shared/storage/session-store.js';
import { beginTurnIn, claimTurnIn, findTurnIn, finishTurnIn } from '../../shared/storage/session-turns.js';

type Operation = 'getSession' | 'beginTurn' | 'findTurn' | 'claimTurn' | 'finishTurn';
/** What the next calls of an operation do instead of answering: fail, or never answer. */
export type StoreFault = 'unavailable' | 'hang';

/**
 * A session store in memory, on the same turn rules as both adapters (session-turns.ts), with faults a
 * test can plant per operation. Only the calls a chat turn makes are implemented.
 */
export class MemorySessionStore implements SessionStore {
  readonly documents = new Map<string, SessionDocument>();
  readonly calls: Operation[] = [];
  private readonly faults = new Map<Operation, StoreFault[]>();

  fail(operation: Operation, ...faults: StoreFault[]): void {
    this.faults.set(operation, [...(this.faults.get(operation) ?? []), ...faults]);
  }

  document(key: SessionKey): SessionDocument | undefined {
    return this.documents.get(`${key.userId}/${key.sessionId}`);
  }

  private async enter(operation: Operation): Promise<void> {
    this.calls.push(operation);
    const fault = this.faults.get(operation)?.shift();
    if (fault === 'hang') await new Promise(() => {});
    if (fault === 'unavailable') throw new AppError('STORAGE_UNAVAILABLE', 'planted storage fault');
  }

  private save(key: SessionKey, document: SessionDocument | undefined): void {
    if (document !== undefined)
      this.documents.set(`${key.userId}/${key.sessionId}`, structuredClone(document));
  }

  async getSession(key: SessionKey, options: { recentMessages?: number } = {}) {
    await this.enter('getSession');
    const document = this.document(key);
    if (document === undefined) return undefined;
    const copy = structuredClone(document);
    if (options.recentMessages !== undefined) copy.messages = copy.messages.slice(-options.recentMessages);
    return copy;
  }

  async beginTurn(input: Parameters<SessionStore['beginTurn']>[0]) {
    await this.enter('beginTurn');
    const { change, result } = beginTurnIn(this.document(input.key), input);
    this.save(input.key, change?.document);
    return result;
  }

  async findTurn(key: SessionKey, clientMessageId: string) {
    await this.enter('findTurn');
    const document = this.document(key);
    return (
      document && structuredClone(findTurnIn(document.messages, (m) => m.client_msg_id === clientMessageId))
    );
  }

  async claimTurn(input: Parameters<SessionStore['claimTurn']>[0]) {
    await this.enter('claimTurn');
    const { change, claimed } = claimTurnIn(this.document(input.key), input);
    this.save(input.key, change?.document);
    return claimed;
  }

  async finishTurn(input: Parameters<SessionStore['finishTurn']>[0]) {
    await this.enter('finishTurn');
    const { change, finished } = finishTurnIn(this.document(input.key), input);
    this.save(input.key, change?.document);
    return finished;
  }

  listSessions(): never {
    throw new Error('not used by a chat turn');
  }
  exportSessions(): never {
    throw new Error('not used by a chat turn');
  }
  deleteSession(): never {
    throw new Error('not used by a chat turn');
  }
  deleteAllSessions(): never {
    throw new Error('not used by a chat turn');
  }
  deleteSessionsUpdatedBefore(): never {
    throw new Error('not used by a chat turn');
  }
}

import { AppError } from '../../shared/errors/app-error.js';
import { retitleOn, storableTitle } from '../../shared/storage/session-annotations.js';
import type { SessionDocument, SessionKey } from '../../shared/storage/session-document.js';
import { presentSession, type SessionRecord } from '../../shared/storage/session-record.js';
import type { SessionStore } from '../../shared/storage/session-store.js';
import { findTurnIn } from '../../shared/storage/session-turns.js';
import { beginTurnOn, claimTurnOn, finishTurnOn } from '../../shared/storage/turn-rules-on-record.js';

type Operation = 'getSession' | 'beginTurn' | 'findTurn' | 'claimTurn' | 'finishTurn' | 'setSessionTitle';
/** What the next calls of an operation do instead of answering: fail, or never answer. */
export type StoreFault = 'unavailable' | 'hang';

/**
 * A session store in memory, on the same turn rules as both adapters (session-turns.ts), with faults a
 * test can plant per operation. Only the calls a chat turn makes are implemented.
 */
export class MemorySessionStore implements SessionStore {
  readonly records = new Map<string, SessionRecord>();
  readonly calls: Operation[] = [];
  private readonly faults = new Map<Operation, StoreFault[]>();

  fail(operation: Operation, ...faults: StoreFault[]): void {
    this.faults.set(operation, [...(this.faults.get(operation) ?? []), ...faults]);
  }

  /** The session as a reader sees it (turn states merged into the messages). */
  document(key: SessionKey): SessionDocument | undefined {
    const record = this.record(key);
    return record && presentSession(record);
  }

  private record(key: SessionKey): SessionRecord | undefined {
    const record = this.records.get(`${key.userId}/${key.sessionId}`);
    return record && structuredClone(record);
  }

  private async enter(operation: Operation): Promise<void> {
    this.calls.push(operation);
    const fault = this.faults.get(operation)?.shift();
    if (fault === 'hang') await new Promise(() => {});
    if (fault === 'unavailable') throw new AppError('STORAGE_UNAVAILABLE', 'planted storage fault');
  }

  private save(key: SessionKey, record: SessionRecord | undefined): void {
    if (record !== undefined) this.records.set(`${key.userId}/${key.sessionId}`, structuredClone(record));
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
    const { change, value } = beginTurnOn(this.record(input.key), input);
    this.save(input.key, change);
    return value;
  }

  async findTurn(key: SessionKey, clientMessageId: string) {
    await this.enter('findTurn');
    const record = this.record(key);
    return record && findTurnIn(record, clientMessageId);
  }

  async claimTurn(input: Parameters<SessionStore['claimTurn']>[0]) {
    await this.enter('claimTurn');
    const { change, value } = claimTurnOn(this.record(input.key), input);
    this.save(input.key, change);
    return value;
  }

  async finishTurn(input: Parameters<SessionStore['finishTurn']>[0]) {
    await this.enter('finishTurn');
    const { change, value } = finishTurnOn(this.record(input.key), input);
    this.save(input.key, change);
    return value;
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
  async setSessionTitle(key: SessionKey, title: string, source: 'user' | 'model') {
    await this.enter('setSessionTitle');
    const stored = storableTitle(title, source);
    if (stored === undefined) return false;
    const { change, value } = retitleOn(this.record(key), stored, source);
    this.save(key, change);
    return value;
  }
  recordFeedback(): never {
    throw new Error('not used by a chat turn');
  }
}

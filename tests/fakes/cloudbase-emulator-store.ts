import { randomBytes } from 'node:crypto';
import { EJSON } from 'bson';
import {
  applyProjection,
  compareBySortKeys,
  matchesQuery,
  normalizeOrder,
} from './cloudbase-emulator-query.js';
import { applyUpdate, replaceDocument } from './cloudbase-emulator-update.js';
import {
  cloneValue,
  type EmulatorDocument,
  EmulatorError,
  isOperatorObject,
  isPlainObject,
  resolveServerDates,
  valuesEqual,
} from './cloudbase-emulator-values.js';

/**
 * In-memory state and the `database.*` actions of the CloudBase database emulator. Every method is
 * synchronous on purpose: the HTTP layer calls `execute()` once per request with no await in between,
 * so each request's reads and writes are atomic with respect to every other request.
 */

type Collection = Map<string, EmulatorDocument>;

interface BeforeImage {
  collection: string;
  key: string;
  document: EmulatorDocument | undefined;
}

/** Body fields besides `requestId`: `{ data: {...} }` for most actions, `{ transactionId }` for startTransaction. */
export type ActionResult = Record<string, unknown>;

const maximumLimit = 1000;

/** Documents are keyed by their EJSON `_id` so `'1'` and `1` stay distinct, as in MongoDB. */
function documentKey(id: unknown): string {
  return EJSON.stringify({ id }, { relaxed: false });
}

function generateId(): string {
  // Real CloudBase ids are 32 lowercase hex characters.
  return randomBytes(16).toString('hex');
}

function serialize(document: EmulatorDocument): string {
  return EJSON.stringify(document, { relaxed: false });
}

function parseEjson(value: unknown, field: string, now: number): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  try {
    const parsed: unknown =
      typeof value === 'string' ? EJSON.parse(value) : EJSON.deserialize(value as object);
    return resolveServerDates(parsed, now);
  } catch (error) {
    throw new EmulatorError('INVALID_PARAM', `${field} is not valid EJSON: ${(error as Error).message}`);
  }
}

function nonNegativeInteger(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new EmulatorError('INVALID_PARAM', `${field} must be a non-negative integer`);
  }
  return value;
}

/** Fields an upsert copies from its query: plain equalities only, as MongoDB does. */
function upsertBase(query: unknown): EmulatorDocument {
  const base: EmulatorDocument = {};
  if (!isPlainObject(query)) return base;
  for (const [key, value] of Object.entries(query)) {
    if (!key.startsWith('$') && !key.includes('.') && !isOperatorObject(value)) base[key] = cloneValue(value);
  }
  return base;
}

export class EmulatorDatabase {
  private readonly collections = new Map<string, Collection>();
  private readonly transactions = new Map<string, Map<string, BeforeImage>>();
  private transactionCounter = 0;

  createCollection(name: string): boolean {
    if (this.collections.has(name)) return false;
    this.collections.set(name, new Map());
    return true;
  }

  snapshot(name: string): EmulatorDocument[] {
    return [...(this.collections.get(name)?.values() ?? [])].map((document) => cloneValue(document));
  }

  clear(): void {
    this.collections.clear();
    this.transactions.clear();
  }

  execute(action: string, body: Record<string, unknown>, now: number): ActionResult {
    switch (action) {
      case 'database.addCollection':
        return this.addCollection(body);
      case 'database.insertDocument':
        return this.insertDocument(body, now);
      case 'database.getDocument':
        return this.getDocument(body, now);
      case 'database.calculateDocument':
        return { data: { total: this.matching(body, now).documents.length } };
      case 'database.modifyDocument':
        return this.modifyDocument(body, now);
      case 'database.modifyAndReturnDoc':
        return this.modifyAndReturnDocument(body, now);
      case 'database.removeDocument':
        return this.removeDocument(body, now);
      case 'database.startTransaction': {
        this.transactionCounter += 1;
        const transactionId = `emulator-tx-${this.transactionCounter}-${generateId().slice(0, 8)}`;
        this.transactions.set(transactionId, new Map());
        return { transactionId };
      }
      case 'database.commitTransaction':
        this.endTransaction(body, false);
        return {};
      case 'database.abortTransaction':
        this.endTransaction(body, true);
        return {};
      default:
        throw new EmulatorError('INVALID_PARAM', `unsupported action ${action}`);
    }
  }

  private collectionName(body: Record<string, unknown>): string {
    const name = body.collectionName;
    if (typeof name !== 'string' || name === '')
      throw new EmulatorError('INVALID_PARAM', 'collectionName is required');
    return name;
  }

  private requireCollection(body: Record<string, unknown>): { name: string; collection: Collection } {
    const name = this.collectionName(body);
    const collection = this.collections.get(name);
    if (!collection)
      throw new EmulatorError('DATABASE_COLLECTION_NOT_EXIST', `Db or Table not exist: ${name}`);
    return { name, collection };
  }

  /**
   * Simplification: a transaction's writes apply immediately and are visible to everyone (no isolation,
   * no conflicts, no 30 s expiry); we only keep before-images so `abortTransaction` can undo them.
   */
  private transactionLog(body: Record<string, unknown>): Map<string, BeforeImage> | undefined {
    const transactionId = body.transactionId;
    if (transactionId === undefined || transactionId === null || transactionId === '') return undefined;
    const log = this.transactions.get(String(transactionId));
    if (!log) {
      throw new EmulatorError(
        'DATABASE_TRANSACTION_FAIL',
        `transaction ${String(transactionId)} not found or ended`,
      );
    }
    return log;
  }

  private endTransaction(body: Record<string, unknown>, rollBack: boolean): void {
    const log = this.transactionLog(body);
    if (!log) throw new EmulatorError('INVALID_PARAM', 'transactionId is required');
    this.transactions.delete(String(body.transactionId));
    if (!rollBack) return;
    for (const { collection, key, document } of log.values()) {
      const target = this.collections.get(collection);
      if (!target) continue;
      if (document) target.set(key, document);
      else target.delete(key);
    }
  }

  private write(
    name: string,
    collection: Collection,
    key: string,
    document: EmulatorDocument | undefined,
    log: Map<string, BeforeImage> | undefined,
  ): void {
    const imageKey = `${name}\u0000${key}`;
    if (log && !log.has(imageKey))
      log.set(imageKey, { collection: name, key, document: collection.get(key) });
    if (document) collection.set(key, document);
    else collection.delete(key);
  }

  private matching(body: Record<string, unknown>, now: number) {
    const { name, collection } = this.requireCollection(body);
    const query = parseEjson(body.query, 'query', now);
    const documents = [...collection.values()].filter((document) => matchesQuery(document, query));
    return { name, collection, query, documents };
  }

  private addCollection(body: Record<string, unknown>): ActionResult {
    const name = this.collectionName(body);
    if (!this.createCollection(name)) {
      throw new EmulatorError('DATABASE_COLLECTION_ALREADY_EXIST', `collection ${name} already exists`);
    }
    return {};
  }

  private insertDocument(body: Record<string, unknown>, now: number): ActionResult {
    const { name, collection } = this.requireCollection(body);
    const log = this.transactionLog(body);
    const rawDocuments = Array.isArray(body.data) ? body.data : [body.data];
    // Validate the whole batch before writing so a duplicate leaves the collection untouched.
    const prepared = rawDocuments.map((raw) => {
      const parsed = parseEjson(raw, 'data', now);
      if (!isPlainObject(parsed))
        throw new EmulatorError('INVALID_PARAM', 'data must be an array of documents');
      const document = { ...parsed, _id: parsed._id ?? generateId() };
      return { key: documentKey(document._id), document };
    });
    const seen = new Set<string>();
    for (const { key, document } of prepared) {
      if (collection.has(key) || seen.has(key)) {
        throw new EmulatorError(
          'DATABASE_DUPLICATE_WRITE',
          `E11000 duplicate key error: _id ${String(document._id)}`,
        );
      }
      seen.add(key);
    }
    for (const { key, document } of prepared) this.write(name, collection, key, document, log);
    return { data: { insertedIds: prepared.map(({ document }) => document._id) } };
  }

  private getDocument(body: Record<string, unknown>, now: number): ActionResult {
    this.transactionLog(body);
    const { documents } = this.matching(body, now);
    const keys = normalizeOrder(parseEjson(body.order, 'order', now));
    const sorted =
      keys.length > 0 ? documents.sort((left, right) => compareBySortKeys(left, right, keys)) : documents;
    const offset = nonNegativeInteger(body.offset, 'offset') ?? 0;
    const limit = Math.min(nonNegativeInteger(body.limit, 'limit') ?? maximumLimit, maximumLimit);
    const projection = parseEjson(body.projection, 'projection', now);
    const list = sorted
      .slice(offset, offset + limit)
      .map((document) => serialize(applyProjection(document, projection)));
    return { data: { list } };
  }

  private modifyDocument(body: Record<string, unknown>, now: number): ActionResult {
    const { name, collection, query, documents } = this.matching(body, now);
    const log = this.transactionLog(body);
    const update = parseEjson(body.data, 'data', now);
    const merge = body.merge !== false;
    const targets = body.multi === true ? documents : documents.slice(0, 1);
    const build = (current: EmulatorDocument) =>
      merge ? applyUpdate(current, update, query) : replaceDocument(current._id, update);
    // Compute every new version first: a failing operator must not leave half the matches updated.
    const changes = targets
      .map((current) => ({ current, next: build(current) }))
      .filter(({ current, next }) => !valuesEqual(current, next));
    for (const { next } of changes) this.write(name, collection, documentKey(next._id), next, log);
    if (targets.length > 0 || body.upsert !== true) {
      return { data: { updated: changes.length, matched: targets.length } };
    }
    const base = upsertBase(query);
    const id = base._id ?? generateId();
    const inserted = merge ? applyUpdate({ ...base, _id: id }, update) : replaceDocument(id, update);
    this.write(name, collection, documentKey(id), inserted, log);
    return { data: { updated: 0, matched: 0, upsert_id: id } };
  }

  private modifyAndReturnDocument(body: Record<string, unknown>, now: number): ActionResult {
    const { name, collection, query, documents } = this.matching(body, now);
    const log = this.transactionLog(body);
    const current = documents[0];
    if (!current) return { data: { updated: 0, doc: null } };
    const next = applyUpdate(current, parseEjson(body.data, 'data', now), query);
    const changed = !valuesEqual(current, next);
    if (changed) this.write(name, collection, documentKey(next._id), next, log);
    return { data: { updated: changed ? 1 : 0, doc: serialize(next) } };
  }

  private removeDocument(body: Record<string, unknown>, now: number): ActionResult {
    const { name, collection, documents } = this.matching(body, now);
    const log = this.transactionLog(body);
    const targets = body.multi === false ? documents.slice(0, 1) : documents;
    for (const document of targets) this.write(name, collection, documentKey(document._id), undefined, log);
    return { data: { deleted: targets.length } };
  }
}

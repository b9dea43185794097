import { randomBytes } from 'node:crypto';
import {
  hashedDocumentId,
  insertUnlessPresent,
  readOne,
  updateWhere,
} from '../cloudbase/cloudbase-collection.js';
import type { CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import { assertUserId, storageCall } from '../storage/storage-guards.js';
import { countsAfterMessage, countsOf, type UsageDocument, usageDocumentSchema } from './usage-document.js';
import { assertTokenCount, type UsageCounts, type UsageStore } from './usage-store.js';
import { type UsageWindow, usageWindow } from './usage-window.js';

type Row = Record<string, unknown>;

/** How many minutes this instance remembers, per user and day, to try the likelier update first. */
const minuteHintLimit = 1000;

/**
 * Usage as one document per user and China day in its own collection:
 * `{ _id, user_id, day, messages, tokens, minute, minute_messages, updated_at, write_id }`.
 *
 * Every count is a server-side `$inc`, so instances never lose one another's counts. The minute window is
 * reset by a conditional update rather than a read-modify-write:
 *
 *   same window:  where({_id, user_id, minute: gte(current)}).updateAndReturn({messages: inc(1), minute_messages: inc(1)})
 *   new window:   where({_id, user_id, minute: lt(current)}).updateAndReturn({messages: inc(1), minute: current, minute_messages: 1})
 *   new day:      add({_id, ..., messages: 1, minute: current, minute_messages: 1})   (duplicate: another instance won, update)
 *
 * `minute` is `HH:MM`, so string order is time order, and it only moves forward. Once the document
 * exists the two conditions cover every value, so one of them applies; if a concurrent write moves the
 * minute between the two, it moved it to `current` or later and the same-window update then holds for
 * good, so a message needs at most two updates however many instances race (with `neq` instead of `gte`,
 * instances whose clocks straddle a minute would flip the window back and forth and could starve each
 * other). A write whose clock is a little behind counts into the later window.
 *
 * Each update is one `database.modifyAndReturnDoc` round trip that returns the document as that update
 * left it: the counts returned are this message's own, not a later read that might include other
 * instances' increments. The update this instance's last write for the user and day makes likelier goes
 * first, so a message costs one round trip when the guess is right, two when not, and three for the day's
 * first message (two misses and the insert).
 */
export function createCloudbaseUsageStore(settings: {
  database: () => Promise<CloudbaseDatabase>;
  collection: string;
}): UsageStore {
  /** Document id → the minute this instance last wrote there. Only orders the attempts. */
  const minuteHints = new Map<string, string>();

  function rememberMinute(id: string, minute: string): void {
    minuteHints.delete(id);
    minuteHints.set(id, minute);
    if (minuteHints.size > minuteHintLimit) {
      const oldest = minuteHints.keys().next();
      if (oldest.done !== true) minuteHints.delete(oldest.value);
    }
  }

  async function open() {
    const database = await settings.database();
    return { usage: database.collection(settings.collection), command: database.command };
  }

  function ownedBy(userId: string, window: UsageWindow): Row {
    return { _id: usageDocumentId(userId, window.day), user_id: userId };
  }

  async function readDocument(userId: string, window: UsageWindow): Promise<UsageDocument | undefined> {
    const row = await readOne((await open()).usage, ownedBy(userId, window));
    return row === undefined ? undefined : usageDocumentSchema.parse(row);
  }

  /**
   * One conditional update that returns the counts after it, or undefined when nothing matched.
   * `expected` computes the counts from the document as it was before the update, for a server that
   * returns that one (MongoDB's findAndModify does by default): a `write_id` unique to this call tells
   * the two apart, so the counts are exact either way.
   */
  async function updateAndCount(
    userId: string,
    window: UsageWindow,
    condition: Row,
    change: Row,
    expected: (before: UsageDocument) => UsageCounts,
  ): Promise<UsageCounts | undefined> {
    const { usage } = await open();
    const writeId = randomBytes(8).toString('hex');
    const result = await usage.where(condition).updateAndReturn({ ...change, write_id: writeId });
    const row = result.doc ?? undefined;
    if (row?.write_id === writeId) return countsAfterMessage(usageDocumentSchema.parse(row));
    const applied = result.updated === undefined ? row !== undefined : result.updated > 0;
    if (!applied) return undefined;
    // The write landed but the document did not come back: read it (this read may include increments
    // other instances made since, which only makes a limit stricter).
    if (row === undefined) {
      const document = await readDocument(userId, window);
      if (document === undefined) throw new Error('usage document vanished after its update');
      return countsAfterMessage(document);
    }
    return expected(usageDocumentSchema.parse(row));
  }

  async function countMessage(
    userId: string,
    window: UsageWindow,
    now: string,
    sameWindowFirst: boolean,
  ): Promise<UsageCounts | undefined> {
    const { command } = await open();
    const owner = ownedBy(userId, window);
    const sameWindow = () =>
      updateAndCount(
        userId,
        window,
        { ...owner, minute: command.gte(window.minute) },
        { messages: command.inc(1), minute_messages: command.inc(1), updated_at: now },
        (before) => ({
          minuteMessages: before.minute_messages + 1,
          dayMessages: before.messages + 1,
          dayTokens: before.tokens,
        }),
      );
    const newWindow = () =>
      updateAndCount(
        userId,
        window,
        { ...owner, minute: command.lt(window.minute) },
        { messages: command.inc(1), minute: window.minute, minute_messages: 1, updated_at: now },
        (before) => ({ minuteMessages: 1, dayMessages: before.messages + 1, dayTokens: before.tokens }),
      );
    const [first, second] = sameWindowFirst ? [sameWindow, newWindow] : [newWindow, sameWindow];
    return (await first()) ?? (await second());
  }

  /** Creates the day's document; false when another instance created it first. */
  async function create(id: string, document: UsageDocument): Promise<boolean> {
    return insertUnlessPresent((await open()).usage, id, document);
  }

  return {
    async recordMessage(userId, now) {
      assertUserId(userId);
      const window = usageWindow(now);
      return storageCall(async () => {
        const id = usageDocumentId(userId, window.day);
        const updatedAt = now.toISOString();
        let exists = false;
        // Both updates miss only while the document is missing (see above): create it, or count again
        // once another instance has.
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const counted = await countMessage(
            userId,
            window,
            updatedAt,
            (minuteHints.get(id) ?? '') >= window.minute,
          );
          if (counted !== undefined) {
            rememberMinute(id, window.minute);
            return counted;
          }
          if (exists) continue;
          const document = freshDocument(userId, window, updatedAt, { messages: 1, tokens: 0 });
          if (await create(id, document)) {
            rememberMinute(id, window.minute);
            return countsAfterMessage(document);
          }
          exists = true;
        }
        throw new Error('usage count did not settle');
      });
    },

    async refundMessage(userId, now) {
      assertUserId(userId);
      const window = usageWindow(now);
      return storageCall(async () => {
        const { usage, command } = await open();
        await usage
          .where({ ...ownedBy(userId, window), messages: command.gt(0) })
          .update({ messages: command.inc(-1), updated_at: now.toISOString() });
      });
    },

    async recordTokens(userId, now, tokens) {
      assertUserId(userId);
      assertTokenCount(tokens);
      const window = usageWindow(now);
      if (tokens === 0) return;
      return storageCall(async () => {
        const id = usageDocumentId(userId, window.day);
        const updatedAt = now.toISOString();
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const { usage, command } = await open();
          if (
            await updateWhere(usage, ownedBy(userId, window), {
              tokens: command.inc(tokens),
              updated_at: updatedAt,
            })
          )
            return;
          // Usually the day's document exists (the message was counted first); if not, start it here.
          if (await create(id, freshDocument(userId, window, updatedAt, { messages: 0, tokens }))) return;
        }
        throw new Error('usage count did not settle');
      });
    },

    async usageOf(userId, now) {
      assertUserId(userId);
      const window = usageWindow(now);
      return storageCall(async () => countsOf(await readDocument(userId, window), window));
    },

    async deleteUsageBefore(day) {
      return storageCall(async () => {
        const { usage, command } = await open();
        const result = await usage.where({ day: command.lt(day) }).remove();
        return result.deleted ?? 0;
      });
    },

    async deleteUsage(userId) {
      assertUserId(userId);
      return storageCall(async () => {
        const { usage } = await open();
        const result = await usage.where({ user_id: userId }).remove();
        return result.deleted ?? 0;
      });
    },
  };
}

function freshDocument(
  userId: string,
  window: UsageWindow,
  updatedAt: string,
  counts: { messages: number; tokens: number },
): UsageDocument {
  return {
    user_id: userId,
    day: window.day,
    messages: counts.messages,
    tokens: counts.tokens,
    minute: window.minute,
    minute_messages: counts.messages,
    updated_at: updatedAt,
  };
}

/** One document per user and day that every instance finds without a query (cloudbase-collection.ts). */
export function usageDocumentId(userId: string, day: string): string {
  return hashedDocumentId('u', userId, day);
}

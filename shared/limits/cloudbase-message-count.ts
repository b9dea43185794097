import { randomBytes } from 'node:crypto';
import { insertUnlessPresent } from '../cloudbase/cloudbase-collection.js';
import { assertUserId, storageCall } from '../storage/storage-guards.js';
import {
  type CloudbaseUsageSettings,
  freshDocument,
  openUsage,
  ownedBy,
  type Row,
  readUsageDocument,
  usageDocumentId,
} from './cloudbase-usage-documents.js';
import { recentMinutes } from './recent-minutes.js';
import { countsAfterMessage, type UsageDocument, usageDocumentSchema } from './usage-document.js';
import type { UsageCounts, UsageStore } from './usage-store.js';
import { type UsageWindow, usageWindow } from './usage-window.js';

/**
 * Counts a message into the user's day document. The minute window is reset by a conditional update
 * rather than a read-modify-write:
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
export function cloudbaseMessageCount(settings: CloudbaseUsageSettings): Pick<UsageStore, 'recordMessage'> {
  const minuteHints = recentMinutes();
  const open = () => openUsage(settings);

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
      const document = await readUsageDocument((await open()).usage, userId, window);
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
            minuteHints.remember(id, window.minute);
            return counted;
          }
          if (exists) continue;
          const document = freshDocument(userId, window, updatedAt, { messages: 1, tokens: 0 });
          if (await insertUnlessPresent((await open()).usage, id, document)) {
            minuteHints.remember(id, window.minute);
            return countsAfterMessage(document);
          }
          exists = true;
        }
        throw new Error('usage count did not settle');
      });
    },
  };
}

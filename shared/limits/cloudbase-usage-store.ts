import { insertUnlessPresent, updateWhere } from '../cloudbase/cloudbase-collection.js';
import { assertUserId, storageCall } from '../storage/storage-guards.js';
import { cloudbaseMessageCount } from './cloudbase-message-count.js';
import {
  type CloudbaseUsageSettings,
  freshDocument,
  openUsage,
  ownedBy,
  readUsageDocument,
  usageDocumentId,
} from './cloudbase-usage-documents.js';
import { countsOf } from './usage-document.js';
import { assertTokenCount, type UsageStore } from './usage-store.js';
import { usageWindow } from './usage-window.js';

/**
 * Usage as one document per user and China day in its own collection:
 * `{ _id, user_id, day, messages, tokens, minute, minute_messages, updated_at, write_id }`.
 *
 * Every count is a server-side `$inc`, so instances never lose one another's counts. How a message is
 * counted, with its minute window, in one round trip most of the time: cloudbase-message-count.ts.
 */
export function createCloudbaseUsageStore(settings: CloudbaseUsageSettings): UsageStore {
  const open = () => openUsage(settings);

  return {
    ...cloudbaseMessageCount(settings),

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
          const document = freshDocument(userId, window, updatedAt, { messages: 0, tokens });
          if (await insertUnlessPresent(usage, id, document)) return;
        }
        throw new Error('usage count did not settle');
      });
    },

    async usageOf(userId, now) {
      assertUserId(userId);
      const window = usageWindow(now);
      return storageCall(async () =>
        countsOf(await readUsageDocument((await open()).usage, userId, window), window),
      );
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

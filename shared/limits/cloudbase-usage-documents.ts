import { hashedDocumentId, readOne } from '../cloudbase/cloudbase-collection.js';
import type { CloudbaseCollection, CloudbaseDatabase } from '../cloudbase/cloudbase-sdk.js';
import { type UsageDocument, usageDocumentSchema } from './usage-document.js';
import type { UsageWindow } from './usage-window.js';

export type Row = Record<string, unknown>;

export interface CloudbaseUsageSettings {
  database: () => Promise<CloudbaseDatabase>;
  collection: string;
}

/** The usage collection and the database's operators. */
export async function openUsage(settings: CloudbaseUsageSettings) {
  const database = await settings.database();
  return { usage: database.collection(settings.collection), command: database.command };
}

/** One document per user and day that every instance finds without a query (cloudbase-collection.ts). */
export function usageDocumentId(userId: string, day: string): string {
  return hashedDocumentId('u', userId, day);
}

/** The condition that selects the user's document for the window's day, and only if it is theirs. */
export function ownedBy(userId: string, window: UsageWindow): Row {
  return { _id: usageDocumentId(userId, window.day), user_id: userId };
}

export async function readUsageDocument(
  usage: CloudbaseCollection,
  userId: string,
  window: UsageWindow,
): Promise<UsageDocument | undefined> {
  const row = await readOne(usage, ownedBy(userId, window));
  return row === undefined ? undefined : usageDocumentSchema.parse(row);
}

/** The day's first document, holding the counts of the write that creates it. */
export function freshDocument(
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

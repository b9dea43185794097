import { exceedsCharacters, hasVisibleText } from '../validation/visible-text.js';
import { comparable, findDuplicate } from './duplicate-items.js';
import { forgottenKey } from './forgotten-items.js';
import { type MemoryChange, withItem, withoutSession } from './memory-change.js';
import {
  MEMORY_ITEM_MAX_CHARS,
  MEMORY_MAX_ITEMS,
  type MemoryDocument,
  type MemoryItem,
} from './memory-document.js';

/** What applying the model's proposals did. */
export interface ProposalOutcome {
  added: number;
  /** Proposals that matched an item already there (refreshed when the model wrote it). */
  merged: number;
  /** Proposals not stored: memory off, not usable text, or the memory full. */
  dropped: number;
}

/** Proposals one call considers; more are the model misbehaving. */
export const MEMORY_MAX_PROPOSALS = 10;

/**
 * The model's proposals from a conversation, only while the memory is on. A proposal that repeats an
 * item (the same words once spelling, spaces and punctuation are set aside, or one holding the other)
 * is merged: a model item takes the fuller wording and the session; a user item is never touched. New
 * items are added while there is room and dropped past `MEMORY_MAX_ITEMS`: nothing is evicted. What the
 * user deleted is not learned again: a proposal with a deleted item's words is dropped, and so is every
 * proposal of a call that started (`startedAt`) before the user last deleted, cleared or turned it off.
 */
export function applyProposals(
  proposals: readonly string[],
  sessionId: string | undefined,
  now: string,
  newId: () => string,
  startedAt: string = now,
): MemoryChange<ProposalOutcome> {
  return (current) => {
    const outcome: ProposalOutcome = { added: 0, merged: 0, dropped: 0 };
    const stale = current.forgotten_before !== undefined && startedAt < current.forgotten_before;
    if (!current.enabled || stale)
      return { next: undefined, value: { ...outcome, dropped: proposals.length } };
    let next = current;
    for (const [index, proposal] of proposals.entries()) {
      const text = usableProposal(proposal);
      if (
        text === undefined ||
        index >= MEMORY_MAX_PROPOSALS ||
        current.forgotten?.[forgottenKey(current.user_id, text)] !== undefined
      ) {
        outcome.dropped += 1;
        continue;
      }
      const same = findDuplicate(next, text, { containment: true });
      if (same !== undefined) {
        outcome.merged += 1;
        if (same.source === 'user') continue;
        const fuller = comparable(text).length > comparable(same.text).length ? text : same.text;
        const refreshed: MemoryItem = { ...withoutSession(same), text: fuller, updated_at: now };
        if (sessionId !== undefined) refreshed.session_id = sessionId;
        next = withItem(next, refreshed, now);
        continue;
      }
      if (Object.keys(next.items).length >= MEMORY_MAX_ITEMS) {
        outcome.dropped += 1;
        continue;
      }
      const item: MemoryItem = { id: newId(), text, source: 'model', created_at: now, updated_at: now };
      if (sessionId !== undefined) item.session_id = sessionId;
      next = withItem(next, item, now);
      outcome.added += 1;
    }
    return { next: next === current ? undefined : next, value: outcome };
  };
}

/** See MemoryStore.undoProposals: only the model's items this very write left, found by session and time. */
export function undoProposals(sessionId: string, at: string, before: MemoryDocument): MemoryChange<number> {
  return (current) => {
    let items = current.items;
    let undone = 0;
    for (const [key, item] of Object.entries(current.items)) {
      if (item.source !== 'model' || item.session_id !== sessionId || item.updated_at !== at) continue;
      const { [key]: _written, ...rest } = items;
      const previous = before.generation === current.generation ? before.items[key] : undefined;
      items = previous === undefined ? rest : { ...rest, [key]: previous };
      undone += 1;
    }
    return { next: undone === 0 ? undefined : { ...current, items, updated_at: at }, value: undone };
  };
}

/** A proposal as it is stored, or undefined when the model's text cannot be an item. */
function usableProposal(proposal: unknown): string | undefined {
  if (typeof proposal !== 'string') return undefined;
  const text = proposal.replace(/\s+/gu, ' ').trim();
  if (!hasVisibleText(text) || exceedsCharacters(text, MEMORY_ITEM_MAX_CHARS)) return undefined;
  return text;
}

import { foldLateSideCalls } from '../side-call-results.js';
import type { TurnContext } from '../turn-context.js';
import { readTurnMemory } from '../turn-memory.js';
import { turnStorage } from '../turn-storage.js';
import { chargeMessage } from '../usage-charge.js';

/**
 * The session's latest messages, with the message counted against the user's limits and the user's
 * memory read side by side: independent requests, one wait (a user whose memory is off skips its read,
 * turn-memory.ts). Whether a refusal applies is decided once all are known.
 */
export async function readSession(turn: TurnContext): Promise<void> {
  const { store } = turn.ports;
  const reads = Promise.allSettled([
    turnStorage(turn, () =>
      store.getSession(turn.key, { recentMessages: turn.settings.limits.contextMaxMessages }),
    ),
    chargeMessage(turn),
    readTurnMemory(turn),
  ]);
  // A cold start loads the model's SDK while these requests are on the wire.
  turn.ports.model.prepare?.();
  const [session, charge] = await reads;
  // chargeMessage never rejects; a counted message is given back if the turn ends without the model.
  if (charge.status === 'fulfilled') turn.usage = charge.value;
  if (session.status === 'rejected') throw session.reason;
  turn.session = session.value;
  foldLateSideCalls(turn);
}

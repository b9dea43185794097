import type { TurnContext } from '../turn-context.js';
import { turnStorage } from '../turn-storage.js';
import { chargeMessage } from '../usage-charge.js';

/**
 * The session's latest messages, with the message counted against the user's limits side by side: two
 * independent requests, one wait. Whether a refusal applies is decided once both are known.
 */
export async function readSession(turn: TurnContext): Promise<void> {
  const { store } = turn.ports;
  const reads = Promise.allSettled([
    turnStorage(turn, () =>
      store.getSession(turn.key, { recentMessages: turn.settings.limits.contextMaxMessages }),
    ),
    chargeMessage(turn),
  ]);
  // A cold start loads the model's SDK while these requests are on the wire.
  turn.ports.model.prepare?.();
  const [session, charge] = await reads;
  // chargeMessage never rejects; a counted message is given back if the turn ends without the model.
  if (charge.status === 'fulfilled') turn.usage = charge.value;
  if (session.status === 'rejected') throw session.reason;
  turn.session = session.value;
}

/**
 * CPED is split by dialogue, not by line: lines of one dialogue share speakers and topic, and a line-level
 * split would measure memory of the dialogue rather than skill. A hash of the id decides, so the split
 * needs no random seed and does not move when lines are added or reordered.
 */
export const HELD_OUT_PERCENT = 25;
export const HELD_OUT_RULE = `FNV-1a 32-bit hash of dialogue_id, modulo 100, below ${HELD_OUT_PERCENT}`;

export function isHeldOutDialogue(dialogueId: string): boolean {
  return fnv1a(dialogueId) % 100 < HELD_OUT_PERCENT;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * Deterministic stratified folds: within each class, rows are ordered by a hash of their text (ties by
 * position) and dealt round-robin, so every fold holds about the same share of risk rows and the split
 * never depends on the order of the file.
 */
export function stratifiedFolds(rows: readonly { text: string; risk: boolean }[], folds: number): number[] {
  const assignment = new Array<number>(rows.length).fill(0);
  for (const risk of [true, false]) {
    const members = rows
      .map((row, position) => ({ row, position, hash: fnv1a(row.text) }))
      .filter(({ row }) => row.risk === risk)
      .sort((left, right) => left.hash - right.hash || left.position - right.position);
    members.forEach(({ position }, rank) => {
      assignment[position] = rank % folds;
    });
  }
  return assignment;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

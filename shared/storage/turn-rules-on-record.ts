import type { SessionRecord } from './session-record.js';
import type { BeginTurnInput, BeginTurnResult, ClaimTurnInput, FinishTurnInput } from './session-store.js';
import {
  appendOf,
  applyAppend,
  applyTurnWrite,
  claimWrite,
  finishWrite,
  newRecord,
  settleBegin,
  settleClaim,
  settleFinish,
} from './session-turns.js';

/**
 * The turn rules applied to a whole record, for a store that rewrites the record while holding it (the
 * local files under their lock, the tests' memory store): the record to write, if any, and the call's
 * answer. The CloudBase adapter sends the same rules as conditional updates instead.
 */
export interface RecordChange<Value> {
  change: SessionRecord | undefined;
  value: Value;
}

export function beginTurnOn(
  record: SessionRecord | undefined,
  input: BeginTurnInput,
): RecordChange<BeginTurnResult> {
  if (record === undefined) return { change: newRecord(input), value: { started: true } };
  const append = appendOf(input);
  const appended = applyAppend(record, append, input.now);
  if (appended !== undefined) return { change: appended, value: { started: true } };
  const settled = settleBegin(record, append);
  if (settled === undefined) throw new Error('session holds a client id without its turn');
  return { change: undefined, value: settled };
}

export function claimTurnOn(record: SessionRecord | undefined, input: ClaimTurnInput): RecordChange<boolean> {
  const change = record && applyTurnWrite(record, claimWrite(input), input.now);
  return { change, value: change !== undefined || settleClaim(record, input) };
}

export function finishTurnOn(
  record: SessionRecord | undefined,
  input: FinishTurnInput,
): RecordChange<boolean> {
  const change = record && applyTurnWrite(record, finishWrite(input), input.now);
  return { change, value: change !== undefined || settleFinish(record, input) };
}

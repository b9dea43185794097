/**
 * The turn rules, written once. Each write is described as data (`TurnWrite`, `Append`): the local
 * adapter checks and applies it to the record under the file's lock; the CloudBase adapter sends the
 * same description as one conditional update. When a write does not apply, both read the record and
 * ask `settle…` what the call's answer is (a repeat of a write that landed, a lost race, a refusal).
 *
 * Beginning a turn (appending its question, or creating the session): begin-turn-rules.ts. Claiming and
 * finishing it (writes to its entry in `turns`): turn-write-rules.ts. Finding a stored turn and its
 * state: find-turn-in-record.ts.
 */
export { type Append, appendOf, applyAppend, newRecord, settleBegin } from './begin-turn-rules.js';
export { findTurnIn, turnStatusOf } from './find-turn-in-record.js';
export {
  applyTurnWrite,
  claimWrite,
  finishWrite,
  settleClaim,
  settleFinish,
  type TurnWrite,
} from './turn-write-rules.js';

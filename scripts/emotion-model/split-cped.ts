import type { BasicEmotion } from '../../shared/emotion/basic-emotions.js';
import { mapDatasetLabel } from './map-dataset-label.js';
import { readLabelledLines } from './read-labelled-lines.js';
import { HELD_OUT_RULE, isHeldOutDialogue } from './split-by-dialogue.js';

export interface CpedLine {
  text: string;
  label: BasicEmotion;
  /** The TV series: the first part of the dialogue id ("32" of "32_000"). */
  group: string;
}

export interface CpedSplit {
  training: CpedLine[];
  heldOut: CpedLine[];
  /** Lines whose CPED label has no basic emotion (relaxed, positive-other, negative-other). */
  leftOut: number;
  rule: string;
}

/** CPED's JSON lines → training and held-out lines, split by dialogue. A bad line stops the build. */
export function splitCped(source: string): CpedSplit {
  const { lines, badLineNumbers } = readLabelledLines(source);
  if (badLineNumbers.length > 0)
    throw new Error(`CPED lines ${badLineNumbers.slice(0, 5).join(', ')} are bad`);
  const split: CpedSplit = { training: [], heldOut: [], leftOut: 0, rule: HELD_OUT_RULE };
  for (const line of lines) {
    const label = mapDatasetLabel(line.label);
    if (line.dialogue_id === undefined) throw new Error('a CPED line has no dialogue_id');
    if (label === undefined) split.leftOut += 1;
    else {
      const example = { text: line.text, label, group: line.dialogue_id.split('_')[0] ?? '' };
      (isHeldOutDialogue(line.dialogue_id) ? split.heldOut : split.training).push(example);
    }
  }
  return split;
}

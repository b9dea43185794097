/**
 * Reads PsySUICIDE-style rows {text, risk: true|false|null, channel?}. Rows with risk null (harm to or
 * from others only) are left out: they are neither the suicide and self-harm risk the classifier learns
 * nor clearly "no risk", and the rules cover harm to and from others.
 */
import { readFileSync } from 'node:fs';
import { crisisFeatures } from '../../shared/safety/crisis-features.js';
import type { CrisisScreeners } from '../../shared/safety/screen-crisis-risk.js';
import { prepareCrisisText, screenCrisisRisk } from '../../shared/safety/screen-crisis-risk.js';
import type { CrisisTrainingRow } from './fit-crisis-model.js';

export interface CrisisRow {
  text: string;
  risk: boolean;
  channel: string;
}

export function readCrisisRows(file: string): { rows: CrisisRow[]; leftOut: number } {
  const rows: CrisisRow[] = [];
  let leftOut = 0;
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const value = JSON.parse(line) as { text?: unknown; risk?: unknown; channel?: unknown };
    if (typeof value.text !== 'string' || (typeof value.risk !== 'boolean' && value.risk !== null)) {
      throw new Error(`${file} line ${index + 1}: expected {"text", "risk": true|false|null}`);
    }
    if (value.risk === null) {
      leftOut += 1;
      return;
    }
    rows.push({
      text: value.text,
      risk: value.risk,
      channel: typeof value.channel === 'string' ? value.channel : '-',
    });
  });
  return { rows, leftOut };
}

/** What training needs of a row: its features, and whether the rules alone already flag it. */
export function toTrainingRow(row: CrisisRow, rules: CrisisScreeners['rules']): CrisisTrainingRow {
  const flagged =
    screenCrisisRisk({ message: row.text, recentUserMessages: [] }, { rules, classifier: null }).level !==
    'none';
  return {
    text: row.text,
    risk: row.risk,
    features: crisisFeatures(prepareCrisisText(row.text, rules)),
    flaggedByRules: flagged,
  };
}

/**
 * Stratified 5-fold cross-validation of the whole screen on PsySUICIDE-style rows: for each fold the
 * classifier is built (calibration and thresholds included) from the other four folds only, exactly as
 * `npm run build:crisis-model` builds the shipped weights from all rows, and every layer is scored on
 * the held-out fold. No row is ever scored by a model that learnt from it, and nothing the fold's
 * model chose (L2 strength, calibration, thresholds) was chosen on it.
 */
import { compileCrisisModel } from '../../shared/safety/crisis-model.js';
import type { CrisisRules } from '../../shared/safety/screen-crisis-risk.js';
import { FIT_SETTINGS, fitCrisisModel } from './fit-crisis-model.js';
import { type CrisisRow, toTrainingRow } from './read-crisis-rows.js';
import { type LayerLevels, screenLayers } from './screen-layers.js';
import { stratifiedFolds } from './stratified-folds.js';

export interface CrossValidatedRow {
  risk: boolean;
  group: string;
  levels: LayerLevels;
}

export function crossValidateCrisis(
  rows: readonly CrisisRow[],
  rules: CrisisRules,
  folds = FIT_SETTINGS.folds,
) {
  const training = rows.map((row) => toTrainingRow(row, rules));
  const assignment = stratifiedFolds(rows, folds);
  const outcomes: CrossValidatedRow[] = [];
  const choices: { medium: number; high: number | null; l2: number }[] = [];
  for (let fold = 0; fold < folds; fold += 1) {
    const { file, l2 } = fitCrisisModel(training.filter((_row, index) => assignment[index] !== fold));
    choices.push({ ...file.thresholds, l2 });
    const model = compileCrisisModel(file);
    rows.forEach((row, index) => {
      if (assignment[index] !== fold) return;
      outcomes.push({ risk: row.risk, group: row.channel, levels: screenLayers(row.text, rules, model) });
    });
  }
  return { outcomes, choices };
}

/**
 * Makes the crisis classifier's weights file from labelled rows, the same way for the shipped weights
 * (all PsySUICIDE rows) and inside each fold of `npm run eval:crisis` (the training folds only):
 * out-of-fold scores from 5 folds for each L2 strength → the strength with the best out-of-fold AUC →
 * Platt calibration of its scores → thresholds → weights trained on every row with it.
 * No randomness, fixed orders: the same rows give the same bytes.
 */
import type { CrisisModelFile } from '../../shared/safety/crisis-model.js';
import { areaUnderCurve, fitPlatt } from './score-statistics.js';
import { stratifiedFolds } from './stratified-folds.js';
import {
  type LinearModel,
  linearScore,
  sigmoid,
  type TrainingOptions,
  trainLogisticRegression,
} from './train-logistic-regression.js';

export interface CrisisTrainingRow {
  text: string;
  risk: boolean;
  /** crisisFeatures of the prepared text. */
  features: readonly string[];
  /** Whether the rules alone flag it: the medium threshold is chosen for the rules and classifier together. */
  flaggedByRules: boolean;
}

export const FIT_SETTINGS = {
  folds: 5,
  training: { minCount: 2, l2: 0.003, epochs: 200, learningRate: 0.5, riskWeight: 2 } as TrainingOptions,
  /** L2 strengths tried on the rows given, by their out-of-fold AUC; `training.l2` is replaced by the best. */
  l2Candidates: [0.001, 0.003, 0.01],
  /** Medium: the highest threshold at which rules + classifier reach this recall out of fold... */
  targetRecall: 0.92,
  /** ...unless the two together then flag more than this share of no-risk rows. */
  maxFalsePositiveRate: 0.1,
  /** High: the lowest threshold whose out-of-fold precision is at least this... */
  highPrecision: 0.95,
  /** ...that flags at most this share of no-risk rows (the fixed template replaces the reply)... */
  highMaxFalsePositiveRate: 0.003,
  /** ...and still finds this share of the risk rows; otherwise the classifier never says high. */
  highMinRecall: 0.1,
  weightUnit: 0.001,
};

export const ABOUT =
  'Crisis classifier weights made by npm run build:crisis-model from the validation split of PsySUICIDE ' +
  '(PsyGUARD, Qiu, Ma & Lan, EMNLP 2024, github.com/qiuhuachuan/PsyGUARD, MIT licence). See docs/safety.md.';

export interface FittedCrisisModel {
  file: CrisisModelFile;
  /** The L2 strength chosen on the training rows (not stored: the weights already carry it). */
  l2: number;
}

export function fitCrisisModel(
  rows: readonly CrisisTrainingRow[],
  settings: typeof FIT_SETTINGS = FIT_SETTINGS,
): FittedCrisisModel {
  // The L2 strength is chosen here, on these rows only: inside a fold of `eval:crisis`, the held-out
  // fold plays no part in it.
  let best: { training: TrainingOptions; outOfFold: number[]; auc: number } | undefined;
  for (const l2 of settings.l2Candidates) {
    const training = { ...settings.training, l2 };
    const scores = outOfFoldScores(rows, settings.folds, training);
    const auc = areaUnderCurve(scores, rows);
    if (best === undefined || auc > best.auc) best = { training, outOfFold: scores, auc };
  }
  if (best === undefined) throw new Error('fitCrisisModel: no L2 candidates');
  const { training, outOfFold } = best;
  const calibration = fitPlatt(outOfFold, rows);
  const probabilities = outOfFold.map((score) => sigmoid(calibration.scale * score + calibration.offset));
  const medium = chooseMediumThreshold(rows, probabilities, settings);
  const high = chooseHighThreshold(rows, probabilities, medium, settings);
  const final = trainLogisticRegression(rows, training);
  const file: CrisisModelFile = {
    version: 1,
    about: ABOUT,
    weightUnit: settings.weightUnit,
    bias: round(final.bias, 6),
    calibration: { scale: round(calibration.scale, 6), offset: round(calibration.offset, 6) },
    thresholds: { medium: round(medium, 6), high: high === null ? null : round(high, 6) },
    weights: quantise(final, settings.weightUnit),
  };
  return { file, l2: training.l2 };
}

function outOfFoldScores(
  rows: readonly CrisisTrainingRow[],
  folds: number,
  training: TrainingOptions,
): number[] {
  const assignment = stratifiedFolds(rows, folds);
  const scores = new Array<number>(rows.length).fill(0);
  for (let fold = 0; fold < folds; fold += 1) {
    const model = trainLogisticRegression(
      rows.filter((_row, index) => assignment[index] !== fold),
      training,
    );
    rows.forEach((row, index) => {
      if (assignment[index] === fold) scores[index] = linearScore(model, row.features);
    });
  }
  return scores;
}

function chooseMediumThreshold(
  rows: readonly CrisisTrainingRow[],
  probabilities: readonly number[],
  settings: typeof FIT_SETTINGS,
): number {
  const positives = rows.filter((row) => row.risk).length;
  const negatives = rows.length - positives;
  let reachesRecall = 0;
  let withinFalsePositives = 1;
  // From the highest candidate down: recall and false positives only grow as the threshold falls.
  for (const threshold of candidates(probabilities)) {
    let truePositives = 0;
    let falsePositives = 0;
    rows.forEach((row, index) => {
      const flagged = row.flaggedByRules || (probabilities[index] ?? 0) >= threshold;
      if (flagged && row.risk) truePositives += 1;
      if (flagged && !row.risk) falsePositives += 1;
    });
    if (falsePositives <= settings.maxFalsePositiveRate * negatives) withinFalsePositives = threshold;
    if (truePositives >= settings.targetRecall * positives) {
      reachesRecall = threshold;
      break;
    }
  }
  return Math.max(reachesRecall, withinFalsePositives);
}

function chooseHighThreshold(
  rows: readonly CrisisTrainingRow[],
  probabilities: readonly number[],
  medium: number,
  settings: typeof FIT_SETTINGS,
): number | null {
  const positives = rows.filter((row) => row.risk).length;
  const negatives = rows.length - positives;
  let chosen: number | null = null;
  for (const threshold of candidates(probabilities)) {
    if (threshold < medium) break;
    let truePositives = 0;
    let falsePositives = 0;
    rows.forEach((row, index) => {
      if ((probabilities[index] ?? 0) < threshold) return;
      if (row.risk) truePositives += 1;
      else falsePositives += 1;
    });
    if (
      truePositives >= settings.highPrecision * (truePositives + falsePositives) &&
      falsePositives <= settings.highMaxFalsePositiveRate * negatives &&
      truePositives >= settings.highMinRecall * positives
    ) {
      chosen = threshold;
    }
  }
  return chosen;
}

/** The distinct probabilities, highest first: every threshold that changes a decision. */
function candidates(probabilities: readonly number[]): number[] {
  return [...new Set(probabilities)].sort((left, right) => right - left);
}

/** Whole multiples of the unit, in the order of the features' text so the file never depends on a Map's order; zeros are left out. */
function quantise(model: LinearModel, unit: number): Record<string, number> {
  const entries = [...model.weights]
    .map(([feature, weight]) => [feature, Math.round(weight / unit) + 0] as const)
    .filter(([, weight]) => weight !== 0)
    .sort(([leftFeature, left], [rightFeature, right]) =>
      leftFeature < rightFeature ? -1 : leftFeature > rightFeature ? 1 : left - right,
    );
  return Object.fromEntries(entries);
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale + 0;
}

/**
 * The learned crisis classifier at run time: a logistic regression over the features of
 * crisis-features.ts, with Platt-calibrated probability and two thresholds, read from
 * prompt/crisis-model.json (made by `npm run build:crisis-model`). Scoring a message is one map lookup
 * per distinct n-gram.
 */
import * as z from 'zod/mini';
import { crisisFeatures } from './crisis-features.js';

export const crisisModelFileSchema = z.object({
  version: z.literal(1),
  about: z.string(),
  /** Stored weights are whole multiples of this: a smaller file, the same decisions. */
  weightUnit: z.number().check(z.positive()),
  bias: z.number(),
  /** p = 1 / (1 + exp(-(scale × score + offset))), fitted on held-out folds. */
  calibration: z.object({ scale: z.number(), offset: z.number() }),
  /** Probabilities from which the classifier says medium, and high; high null: it never says high. */
  thresholds: z.object({
    medium: z.number().check(z.gt(0), z.lt(1)),
    high: z.nullable(z.number().check(z.gt(0), z.lt(1))),
  }),
  // Thousands of entries: checked by a plain loop, since a zod record costs tens of ms on a cold start.
  weights: z.custom<Record<string, number>>(isWholeNumberRecord),
});

function isWholeNumberRecord(value: unknown): value is Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // for…in over the parsed object: about half the time of Object.values on a cold start.
  const record = value as Record<string, unknown>;
  for (const key in record) if (!Number.isInteger(record[key])) return false;
  return true;
}

export type CrisisModelFile = z.infer<typeof crisisModelFileSchema>;

export type ClassifierLevel = 'none' | 'medium' | 'high';

export interface CrisisModel {
  /** The calibrated probability that the message shows a risk of suicide or self-harm. */
  probability(preparedText: string): number;
  level(probability: number): ClassifierLevel;
}

export function compileCrisisModel(file: CrisisModelFile): CrisisModel {
  // Read in place: copying thousands of entries into a Map cost about 5 ms of a cold start's first
  // message. Own keys only, so a feature named like an Object.prototype member weighs nothing.
  const weights = file.weights;
  const { scale, offset } = file.calibration;
  const { medium, high } = file.thresholds;
  return {
    probability(preparedText) {
      let sum = 0;
      for (const feature of crisisFeatures(preparedText)) {
        if (Object.hasOwn(weights, feature)) sum += weights[feature] ?? 0;
      }
      const score = file.bias + sum * file.weightUnit;
      return 1 / (1 + Math.exp(-(scale * score + offset)));
    },
    level(probability) {
      if (high !== null && probability >= high) return 'high';
      return probability >= medium ? 'medium' : 'none';
    },
  };
}

/**
 * L2-regularised logistic regression over binary features, trained full-batch with AdaGrad in a fixed
 * order from zero weights: the same rows always give the same weights, byte for byte.
 */
export interface TrainingRow {
  features: readonly string[];
  risk: boolean;
}

export interface TrainingOptions {
  /** A feature must occur in at least this many rows to be learnt (rarer ones memorise their row). */
  minCount: number;
  l2: number;
  epochs: number;
  learningRate: number;
  /** Each risk row counts this many times: the at-risk class is the rarer one. */
  riskWeight: number;
}

export interface LinearModel {
  bias: number;
  weights: Map<string, number>;
}

export function trainLogisticRegression(rows: readonly TrainingRow[], options: TrainingOptions): LinearModel {
  const counts = new Map<string, number>();
  for (const row of rows)
    for (const feature of row.features) counts.set(feature, (counts.get(feature) ?? 0) + 1);
  const vocabulary = [...counts]
    .filter(([, count]) => count >= options.minCount)
    .map(([feature]) => feature)
    .sort();
  const index = new Map(vocabulary.map((feature, position) => [feature, position]));
  const encoded = rows.map((row) =>
    Int32Array.from(row.features.flatMap((feature) => index.get(feature) ?? [])),
  );
  const weights = new Float64Array(vocabulary.length);
  const squared = new Float64Array(vocabulary.length + 1).fill(1e-8);
  let bias = 0;
  const totalWeight = rows.reduce((sum, row) => sum + (row.risk ? options.riskWeight : 1), 0);
  for (let epoch = 0; epoch < options.epochs; epoch += 1) {
    const gradient = new Float64Array(vocabulary.length);
    let biasGradient = 0;
    encoded.forEach((features, row) => {
      const risk = rows[row]?.risk ?? false;
      let score = bias;
      for (const feature of features) score += weights[feature] ?? 0;
      const error = (sigmoid(score) - (risk ? 1 : 0)) * (risk ? options.riskWeight : 1);
      biasGradient += error;
      for (const feature of features) gradient[feature] = (gradient[feature] ?? 0) + error;
    });
    for (let feature = 0; feature < weights.length; feature += 1) {
      const current = weights[feature] ?? 0;
      const step = (gradient[feature] ?? 0) / totalWeight + options.l2 * current;
      squared[feature] = (squared[feature] ?? 0) + step * step;
      weights[feature] = current - (options.learningRate * step) / Math.sqrt(squared[feature] ?? 1);
    }
    const biasStep = biasGradient / totalWeight;
    squared[vocabulary.length] = (squared[vocabulary.length] ?? 0) + biasStep * biasStep;
    bias -= (options.learningRate * biasStep) / Math.sqrt(squared[vocabulary.length] ?? 1);
  }
  return { bias, weights: new Map(vocabulary.map((feature, position) => [feature, weights[position] ?? 0])) };
}

export function sigmoid(score: number): number {
  return 1 / (1 + Math.exp(-score));
}

export function linearScore(model: LinearModel, features: readonly string[]): number {
  let score = model.bias;
  for (const feature of features) score += model.weights.get(feature) ?? 0;
  return score;
}

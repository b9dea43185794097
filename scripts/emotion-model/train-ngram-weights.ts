import { type BasicEmotion, basicEmotions } from '../../shared/emotion/basic-emotions.js';

export interface TrainingExample {
  /** The distinct character n-grams of the text. */
  ngrams: readonly string[];
  /** The lexicon's logits for the text: the n-grams learn what the lexicon misses, not what it knows. */
  offset: readonly number[];
  label: BasicEmotion;
  /** Where the example comes from (the TV series, for CPED): see `minGroups`. */
  group: string;
}

export interface NgramTrainingOptions {
  /** An n-gram must occur in this many examples... */
  minCount: number;
  /** ...and in this many groups: character names and catchphrases of one series teach nothing general. */
  minGroups: number;
  /**
   * Each label's examples weigh (examples / (labels × label count)) to this power: 1 balances the labels
   * fully, 0 not at all; in between keeps a label with 150 noisy lines from being learnt as loudly as one
   * with 2,000.
   */
  labelWeightPower: number;
  /** L2 penalty per weight: keeps rare n-grams from memorising their few lines. */
  l2: number;
  epochs: number;
  learningRate: number;
  /** Of the trained n-grams, the strongest this many are kept, to keep the weights file small. */
  maxFeatures: number;
  /** Weights are stored as whole multiples of 10^-decimals: a smaller file, the same decisions. */
  decimals: number;
}

/**
 * Multinomial logistic regression over n-gram presence, on top of the lexicon's logits, with each label
 * weighted by the inverse of its frequency (CPED has eight neutral lines for each happy one, and the
 * target is macro-F1). Full-batch AdaGrad in a fixed order with no random start, so the same examples
 * always give the same weights. The biases it learns only absorb the label weighting and are dropped.
 */
export function trainNgramWeights(
  examples: readonly TrainingExample[],
  options: NgramTrainingOptions,
): Record<string, number[]> {
  const labels = basicEmotions.length;
  const vocabulary = selectVocabulary(examples, options);
  const index = new Map(vocabulary.map((gram, position) => [gram, position]));
  const rows = examples.map((example) => example.ngrams.flatMap((gram) => index.get(gram) ?? []));
  const targets = examples.map((example) => basicEmotions.indexOf(example.label));
  const labelCounts = basicEmotions.map(
    (_label, label) => targets.filter((target) => target === label).length,
  );
  const labelWeights = labelCounts.map(
    (count) => (examples.length / (labels * Math.max(1, count))) ** options.labelWeightPower,
  );
  const weights = new Float64Array(vocabulary.length * labels);
  const biases = new Float64Array(labels);
  const squaredGradients = new Float64Array(weights.length + labels).fill(1e-8);
  for (let epoch = 0; epoch < options.epochs; epoch += 1) {
    const gradient = new Float64Array(weights.length + labels);
    rows.forEach((features, row) => {
      const target = targets[row] ?? 0;
      const logits = basicEmotions.map((_label, label) => {
        let logit = (biases[label] ?? 0) + (examples[row]?.offset[label] ?? 0);
        for (const feature of features) logit += weights[feature * labels + label] ?? 0;
        return logit;
      });
      const highest = Math.max(...logits);
      const exponentials = logits.map((logit) => Math.exp(logit - highest));
      const total = exponentials.reduce((sum, value) => sum + value, 0);
      exponentials.forEach((value, label) => {
        const error = (labelWeights[target] ?? 1) * (value / total - (label === target ? 1 : 0));
        gradient[weights.length + label] = (gradient[weights.length + label] ?? 0) + error;
        for (const feature of features) {
          gradient[feature * labels + label] = (gradient[feature * labels + label] ?? 0) + error;
        }
      });
    });
    gradient.forEach((sum, position) => {
      const isBias = position >= weights.length;
      const current = isBias ? (biases[position - weights.length] ?? 0) : (weights[position] ?? 0);
      const step = sum / rows.length + (isBias ? 0 : options.l2 * current);
      squaredGradients[position] = (squaredGradients[position] ?? 0) + step * step;
      const updated = current - (options.learningRate * step) / Math.sqrt(squaredGradients[position] ?? 1);
      if (isBias) biases[position - weights.length] = updated;
      else weights[position] = updated;
    });
  }
  return keepStrongest(vocabulary, weights, examples, options);
}

function selectVocabulary(examples: readonly TrainingExample[], options: NgramTrainingOptions): string[] {
  const seen = new Map<string, { count: number; groups: Set<string> }>();
  for (const example of examples) {
    for (const gram of example.ngrams) {
      const entry = seen.get(gram) ?? { count: 0, groups: new Set<string>() };
      entry.count += 1;
      entry.groups.add(example.group);
      seen.set(gram, entry);
    }
  }
  return [...seen]
    .filter(([, entry]) => entry.count >= options.minCount && entry.groups.size >= options.minGroups)
    .map(([gram]) => gram)
    .sort();
}

/** Ranks by how far an n-gram leans times how often it is seen; ties fall back to the n-gram's text. */
function keepStrongest(
  vocabulary: readonly string[],
  weights: Float64Array,
  examples: readonly TrainingExample[],
  options: NgramTrainingOptions,
): Record<string, number[]> {
  const labels = basicEmotions.length;
  const counts = new Map<string, number>();
  for (const example of examples)
    for (const gram of example.ngrams) counts.set(gram, (counts.get(gram) ?? 0) + 1);
  const scale = 10 ** options.decimals;
  const ranked = vocabulary.map((gram, position) => {
    const vector = Array.from(weights.subarray(position * labels, (position + 1) * labels));
    const mean = vector.reduce((sum, value) => sum + value, 0) / labels;
    // Centred: adding the same amount to every label changes no probability, and zeros compress better.
    const rounded = vector.map((value) => Math.round((value - mean) * scale) + 0);
    const strength = Math.max(...rounded.map(Math.abs)) * Math.log(1 + (counts.get(gram) ?? 0));
    return { gram, rounded, strength };
  });
  ranked.sort((left, right) => right.strength - left.strength || (left.gram < right.gram ? -1 : 1));
  return Object.fromEntries(
    ranked
      .slice(0, options.maxFeatures)
      .filter(({ rounded }) => rounded.some((value) => value !== 0))
      .map(({ gram, rounded }) => [gram, rounded]),
  );
}

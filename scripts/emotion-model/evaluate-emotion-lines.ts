import type { BasicEmotion } from '../../shared/emotion/basic-emotions.js';
import { classifyByKeywordBaseline } from './classify-by-keyword-baseline.js';
import { mapDatasetLabel } from './map-dataset-label.js';
import type { LabelledLine } from './read-labelled-lines.js';
import { type EmotionScorecard, scorePredictions } from './score-emotion-predictions.js';
import { isHeldOutDialogue } from './split-by-dialogue.js';

export type EmotionClassifier = (text: string) => BasicEmotion;

export interface ClassifierScores {
  classifier: EmotionScorecard;
  alwaysNeutral: EmotionScorecard;
  keywordBaseline: EmotionScorecard;
}

export interface LinesEvaluation extends ClassifierScores {
  /** Lines whose dataset label has no basic emotion (CPED relaxed, positive-other, negative-other...). */
  unmappedLabels: number;
  /** Lines of dialogues the shipped weights were trained on (CPED), which would flatter the classifier. */
  trainingDialogues: number;
  /** The same scores per `source` value, when the lines carry one. */
  bySource: Record<string, ClassifierScores>;
}

/** Scores the classifier and the two baselines on labelled lines, overall and per source. */
export function evaluateEmotionLines(
  lines: readonly LabelledLine[],
  classify: EmotionClassifier,
): LinesEvaluation {
  let unmappedLabels = 0;
  let trainingDialogues = 0;
  const scored: { source: string | undefined; gold: BasicEmotion; text: string }[] = [];
  for (const line of lines) {
    const gold = mapDatasetLabel(line.label);
    if (gold === undefined) unmappedLabels += 1;
    else if (line.dialogue_id !== undefined && !isHeldOutDialogue(line.dialogue_id)) trainingDialogues += 1;
    else scored.push({ source: line.source, gold, text: line.text });
  }
  const predictions = scored.map((line) => ({
    ...line,
    classifier: classify(line.text),
    keywordBaseline: classifyByKeywordBaseline(line.text),
  }));
  const scoresOf = (subset: typeof predictions): ClassifierScores => ({
    classifier: scorePredictions(subset.map(({ gold, classifier }) => ({ gold, predicted: classifier }))),
    alwaysNeutral: scorePredictions(subset.map(({ gold }) => ({ gold, predicted: 'neutral' as const }))),
    keywordBaseline: scorePredictions(
      subset.map(({ gold, keywordBaseline }) => ({ gold, predicted: keywordBaseline })),
    ),
  });
  const sources = [...new Set(predictions.flatMap(({ source }) => (source === undefined ? [] : [source])))];
  return {
    ...scoresOf(predictions),
    unmappedLabels,
    trainingDialogues,
    bySource: Object.fromEntries(
      sources
        .sort()
        .map((source) => [source, scoresOf(predictions.filter((line) => line.source === source))]),
    ),
  };
}

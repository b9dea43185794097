import { basicEmotions } from '../../shared/emotion/basic-emotions.js';
import type { ClassifierScores, LinesEvaluation } from './evaluate-emotion-lines.js';
import type { EmotionScorecard } from './score-emotion-predictions.js';

export interface FileEvaluation {
  file: string;
  badLines: number;
  evaluation: LinesEvaluation;
}

const NAMES: Record<keyof ClassifierScores, string> = {
  classifier: 'classifier',
  alwaysNeutral: 'always-neutral',
  keywordBaseline: 'keyword baseline',
};
const percent = (value: number) => `${(100 * value).toFixed(1)}%`;

/** The human-readable report of `npm run eval:emotion`. */
export function formatEmotionEvaluation(files: readonly FileEvaluation[]): string {
  const blocks = files.map(({ file, badLines, evaluation }) => {
    const skipped = [
      `${evaluation.unmappedLabels} without a basic label`,
      `${evaluation.trainingDialogues} from training dialogues`,
      `${badLines} bad`,
    ];
    const lines = [
      `== ${file}: ${evaluation.classifier.count} lines scored; skipped ${skipped.join(', ')}`,
      ...scoreTable(evaluation),
      `macro-F1 is the mean over the gold labels present: ${evaluation.classifier.goldLabels.join(', ')}`,
      '',
      'classifier confusion (rows gold, columns predicted):',
      ...confusionTable(evaluation.classifier),
    ];
    const sources = Object.entries(evaluation.bySource);
    if (sources.length > 1) {
      for (const [source, scores] of sources) lines.push('', `-- source ${source}`, ...scoreTable(scores));
    }
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

function scoreTable(scores: ClassifierScores): string[] {
  return [
    `${'model'.padEnd(18)} ${'lines'.padStart(6)} ${'accuracy'.padStart(9)} ${'macro-F1'.padStart(9)}`,
    ...(Object.keys(NAMES) as (keyof ClassifierScores)[]).map((key) => {
      const card = scores[key];
      return `${NAMES[key].padEnd(18)} ${String(card.count).padStart(6)} ${percent(card.accuracy).padStart(9)} ${percent(card.macroF1).padStart(9)}`;
    }),
  ];
}

function confusionTable(card: EmotionScorecard): string[] {
  const width = 9;
  const header = [
    'gold \\ predicted'.padEnd(17),
    ...basicEmotions.map((label) => label.padStart(width)),
    '   F1',
  ];
  const rows = basicEmotions
    .filter((gold) => card.perLabel[gold].support > 0)
    .map((gold) =>
      [
        gold.padEnd(17),
        ...basicEmotions.map((predicted) => String(card.confusion[gold][predicted]).padStart(width)),
        `  ${card.perLabel[gold].f1.toFixed(2)}`,
      ].join(''),
    );
  return [header.join(''), ...rows];
}

/**
 * `npm run eval:emotion -- [--json] [--model FILE] FILE...`: for JSON lines {"text", "label", "source"?,
 * "dialogue_id"?}, the accuracy and macro-F1 of the local emotion classifier next to two baselines
 * (always neutral; a plain keyword list), per file and per source, with the classifier's confusion
 * matrix. Dataset labels are mapped to the basic emotions (scripts/emotion-model/map-dataset-label.ts); lines
 * whose label maps to nothing are skipped and counted, and so are lines of CPED dialogues the weights were
 * trained on. Exit code 1 when a file has bad lines or nothing to score.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { classifyWithEmotionModel } from '../../shared/emotion/emotion-model.js';
import { loadEmotionModel, resolveEmotionModelPath } from '../../shared/emotion/load-emotion-model.js';
import { evaluateEmotionLines } from './evaluate-emotion-lines.js';
import { type FileEvaluation, formatEmotionEvaluation } from './format-emotion-evaluation.js';
import { readLabelledLines } from './read-labelled-lines.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'boolean', default: false }, model: { type: 'string' } },
});
if (positionals.length === 0) {
  console.error('usage: npm run eval:emotion -- [--json] [--model FILE] FILE...');
  process.exit(2);
}
const model = loadEmotionModel(resolveEmotionModelPath(values.model));
const results: FileEvaluation[] = positionals.map((file) => {
  const { lines, badLineNumbers } = readLabelledLines(readFileSync(file, 'utf8'));
  const evaluation = evaluateEmotionLines(lines, (text) => classifyWithEmotionModel(text, model).label);
  return { file, badLines: badLineNumbers.length, evaluation };
});
process.stdout.write(
  values.json ? `${JSON.stringify(results, null, 2)}\n` : formatEmotionEvaluation(results),
);
if (results.some(({ badLines, evaluation }) => badLines > 0 || evaluation.classifier.count === 0)) {
  process.exitCode = 1;
}

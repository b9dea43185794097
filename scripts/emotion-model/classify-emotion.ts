/**
 * `npm run classify-emotion [-- --model FILE]`: JSON lines {"text": ...} on stdin → one JSON line
 * {"label", "scores"} per input line on stdout, in order, scores for all seven basic emotions summing to 1.
 * A line that is not such an object (an empty line too, so output line N always answers input line N)
 * gets {"error": ...} and the rest are still classified; the exit code is 1 if any line was bad.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { classifyWithEmotionModel } from '../../shared/emotion/emotion-model.js';
import { loadEmotionModel, resolveEmotionModelPath } from '../../shared/emotion/load-emotion-model.js';
import { classifyJsonLine } from './classify-json-line.js';

const { values } = parseArgs({ options: { model: { type: 'string' } } });
const model = loadEmotionModel(resolveEmotionModelPath(values.model));
let badLines = 0;
for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
  const { output, bad } = classifyJsonLine(line, (text) => classifyWithEmotionModel(text, model));
  if (bad) badLines += 1;
  process.stdout.write(`${output}\n`);
}
if (badLines > 0) {
  console.error(`${badLines} bad line(s)`);
  process.exitCode = 1;
}

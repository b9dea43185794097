/**
 * `npm run build:crisis-model -- DATA.jsonl [--out FILE]`: trains the crisis classifier on every row of
 * a PsySUICIDE-style file (risk null left out) and writes the weights, by default to
 * prompt/crisis-model.json. Deterministic: the same data and rules give the same bytes.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolvePromptDir } from '../../shared/prompt/load-prompt-assets.js';
import { loadCrisisRules } from '../../shared/safety/load-crisis-assets.js';
import { CRISIS_MODEL_FILE } from '../../shared/safety/load-crisis-model.js';
import { fitCrisisModel } from './fit-crisis-model.js';
import { readCrisisRows, toTrainingRow } from './read-crisis-rows.js';

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const promptDir = resolvePromptDir(process.env.PROMPT_DIR);
const out = outIndex === -1 ? path.join(promptDir, CRISIS_MODEL_FILE) : args[outIndex + 1];
const dataFile = args.find(
  (argument, index) => !argument.startsWith('--') && (outIndex === -1 || index !== outIndex + 1),
);
if (dataFile === undefined || out === undefined) {
  console.error(
    'usage: npm run build:crisis-model -- ../shared/data/crisis-dev/psysuicide-valid.jsonl [--out FILE]',
  );
  process.exit(1);
}
const rules = loadCrisisRules(promptDir);
const { rows, leftOut } = readCrisisRows(dataFile);
const { file, l2 } = fitCrisisModel(rows.map((row) => toTrainingRow(row, rules)));
// Two-space indentation is what Biome writes, so the built file is committed as it is.
const json = `${JSON.stringify(file, null, 2)}\n`;
writeFileSync(out, json);
const risk = rows.filter((row) => row.risk).length;
console.info(
  `${out}: ${Object.keys(file.weights).length} weights, ${(Buffer.byteLength(json) / 1024).toFixed(0)} KB; ` +
    `trained on ${rows.length} rows (${risk} risk), ${leftOut} rows with risk null left out; ` +
    `L2 ${l2}, thresholds medium ${file.thresholds.medium}, high ${file.thresholds.high ?? 'never'}`,
);

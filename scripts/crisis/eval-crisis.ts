/**
 * `npm run eval:crisis -- [--cv PSYSUICIDE.jsonl] [FILE...] [--show]`: recall and false-positive rate of
 * each layer of the crisis screen (15-keyword baseline, rules, classifier, combined, combined on text
 * obfuscated with zero-width spaces), per channel or kind, and the share of no-risk rows given the fixed
 * template (high).
 * - `--cv FILE`: stratified 5-fold cross-validation on PsySUICIDE-style rows {text, risk, channel}; the
 *   classifier of each fold is built from the other folds only.
 * - Other files, with the shipped weights (prompt/crisis-model.json): labelled lines {text, risk, kind?};
 *   SOS-1K lines {text, level} (recall per urgency band); dialogues {id, turns} (share of turns flagged).
 * - `--judge FILE...`: the model judge (layer 4) on labelled or PsySUICIDE-style rows, against the provider
 *   configured as the app's (env or .env: OPENAI_BASE_URL, OPENAI_API_KEY, LLM_MODEL, CRISIS_JUDGE_MODEL,
 *   CRISIS_JUDGE_TIMEOUT_MS): recall, false positives, tokens per 1,000 messages, and their cost with
 *   `--price-per-million-tokens P`; `--concurrency N` calls at once (4). One paid call per row.
 * Message text is printed only with --show, for labelled files.
 */

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../shared/config/load-config.js';
import { createOpenAiChatModel } from '../../shared/model/openai-chat-model.js';
import { resolvePromptDir } from '../../shared/prompt/load-prompt-assets.js';
import { systemTimers } from '../../shared/runtime/system-timers.js';
import { loadCrisisAssets } from '../../shared/safety/load-crisis-assets.js';
import { loadDotenv } from '../load-dotenv.js';
import { type LabelledLine, parseEvaluationFile, screenDialogue } from './crisis-evaluation.js';
import { crossValidateCrisis } from './cross-validate-crisis.js';
import { groupTable, layerTable, type ScoredRow, urgencyTable } from './format-crisis-report.js';
import { judgeCrisisRows } from './judge-crisis-rows.js';
import { readCrisisRows } from './read-crisis-rows.js';
import { screenLayers } from './screen-layers.js';

const args = process.argv.slice(2);
const show = args.includes('--show');
const valued = ['--cv', '--price-per-million-tokens', '--concurrency'];
const flagValue = (flag: string) => {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : (args[index + 1] ?? '');
};
const cvFile = flagValue('--cv');
const files = args.filter(
  (argument, index) => !argument.startsWith('--') && !valued.includes(args[index - 1] ?? ''),
);
if (cvFile === '' || (cvFile === undefined && files.length === 0)) {
  console.error(
    'usage: npm run eval:crisis -- [--cv PSYSUICIDE.jsonl] [FILE...] [--show]\n' +
      '       npm run eval:crisis -- --judge FILE... [--price-per-million-tokens P] [--concurrency N]',
  );
  process.exit(1);
}
const assets = loadCrisisAssets(resolvePromptDir(process.env.PROMPT_DIR));
const print = (lines: readonly string[]) => {
  for (const line of lines) console.info(line);
};

if (args.includes('--judge')) {
  await evaluateJudge();
  process.exit(0);
}

if (cvFile !== undefined) {
  const started = performance.now();
  const { rows, leftOut } = readCrisisRows(cvFile);
  const { outcomes, choices } = crossValidateCrisis(rows, assets.rules);
  console.info(
    `${cvFile}: cross-validated, 5 stratified folds, ${rows.length} rows (${leftOut} with risk null left out)`,
  );
  print(layerTable(outcomes));
  print(groupTable(outcomes, 'channel'));
  const described = choices.map(
    ({ medium, high, l2 }) => `${medium.toFixed(3)}/${high === null ? 'never' : high.toFixed(3)}/${l2}`,
  );
  console.info(
    `  thresholds medium/high and L2 chosen inside each fold's training rows: ${described.join(', ')}`,
  );
  console.info(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

for (const file of files) {
  const parsed = parseEvaluationFile(readFileSync(file, 'utf8'));
  console.info(`${file}: ${parsed.format}, ${parsed.lines.length} lines, shipped weights`);
  const layersOf = (text: string) => screenLayers(text, assets.rules, assets.classifier);
  if (parsed.format === 'labelled') reportLabelled(parsed.lines, layersOf);
  if (parsed.format === 'urgency') {
    print(urgencyTable(parsed.lines.map((line) => ({ urgency: line.urgency, levels: layersOf(line.text) }))));
  }
  if (parsed.format === 'dialogues') {
    let turns = 0;
    const flagged = { alone: 0, withContext: 0 };
    for (const dialogue of parsed.lines) {
      for (const turn of screenDialogue(dialogue.userTurns, assets)) {
        turns += 1;
        if (turn.alone !== 'none') flagged.alone += 1;
        if (turn.withContext !== 'none') flagged.withContext += 1;
      }
    }
    console.info(
      `  user turns=${turns}  flagged alone=${flagged.alone} (${(flagged.alone / turns).toFixed(3)})  ` +
        `with earlier user turns=${flagged.withContext} (${(flagged.withContext / turns).toFixed(3)})`,
    );
  }
}

function reportLabelled(lines: LabelledLine[], layersOf: (text: string) => ScoredRow['levels']) {
  const scored = lines.map((line) => ({ ...line, group: line.kind, levels: layersOf(line.text) }));
  print(layerTable(scored));
  print(groupTable(scored, 'kind'));
  if (!show) return;
  for (const [title, wrong] of [
    ['missed positives (combined)', scored.filter((line) => line.risk && line.levels.combined === 'none')],
    ['false positives (combined)', scored.filter((line) => !line.risk && line.levels.combined !== 'none')],
  ] as const) {
    console.info(`  ${title} (${wrong.length}):`);
    for (const line of wrong) {
      console.info(`    line ${line.lineNumber} [${line.kind ?? '-'}] ${line.levels.combined}: ${line.text}`);
    }
  }
}

/** Layer 4 against the configured provider: each file's rows, one judge call each. */
async function evaluateJudge() {
  loadDotenv();
  const config = loadConfig(process.env);
  if (config.model.provider !== 'openai') {
    console.error('--judge needs a provider: set OPENAI_API_KEY and LLM_MODEL (and OPENAI_BASE_URL)');
    process.exit(1);
  }
  const price = flagValue('--price-per-million-tokens');
  const { judge } = config.crisisCare;
  for (const file of files) {
    const { rows, leftOut } = readCrisisRows(file);
    console.info(`${file}: the model judge, ${rows.length} rows (${leftOut} with risk null left out)`);
    print(
      await judgeCrisisRows(rows, assets, {
        model: createOpenAiChatModel(config.model, systemTimers),
        modelName: judge.model ?? config.model.model,
        judgeModel: judge.model,
        timeoutMs: judge.timeoutMs,
        concurrency: Number(flagValue('--concurrency') ?? 4),
        pricePerMillionTokens: price === undefined ? undefined : Number(price),
      }),
    );
  }
}

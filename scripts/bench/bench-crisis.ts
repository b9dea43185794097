/**
 * The bench's crisis classifier figures (issue 10's limits): what it adds to the chat function (the code
 * of the classifier and the shared normalisation in the bundle, from esbuild's metafile, plus the weights
 * file shipped beside it; at most 300 KB) and the time per message of the classifier alone on the
 * prepared text (under 0.2 ms), with the one-off cost of reading the weights on first use.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import { loadCrisisRules } from '../../shared/safety/load-crisis-assets.js';
import { CRISIS_MODEL_FILE, readCrisisModel } from '../../shared/safety/load-crisis-model.js';
import { prepareCrisisText } from '../../shared/safety/screen-crisis-risk.js';

export const CRISIS_ADDED_BYTES_LIMIT = 300 * 1024;
export const CRISIS_PER_MESSAGE_LIMIT_MS = 0.2;
const CLASSIFIER_CODE = [
  'shared/safety/crisis-model.ts',
  'shared/safety/crisis-features.ts',
  'shared/safety/load-crisis-model.ts',
  'shared/text/normalise-text.ts',
  'shared/text/traditional-characters.ts',
];

export async function measureCrisisClassifier(messages: readonly string[], repeats: number) {
  const result = await build({
    entryPoints: ['functions/chat/index.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    write: false,
    metafile: true,
    external: ['openai', '@cloudbase/node-sdk'],
    logLevel: 'silent',
  });
  let codeBytes = 0;
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, details] of Object.entries(output.inputs)) {
      if (CLASSIFIER_CODE.includes(input.split(path.sep).join('/'))) codeBytes += details.bytesInOutput;
    }
  }
  const promptDir = path.resolve('prompt');
  const weightsBytes = statSync(path.join(promptDir, CRISIS_MODEL_FILE)).size;
  const loads: number[] = [];
  let model = readCrisisModel(promptDir);
  for (let run = 0; run < 5; run += 1) {
    const started = performance.now();
    model = readCrisisModel(promptDir);
    loads.push(performance.now() - started);
  }
  const rules = loadCrisisRules(promptDir);
  const prepared = messages.map((message) => prepareCrisisText(message, rules));
  const perRoundCount = Math.max(5_000, prepared.length);
  const classifyRound = () => {
    for (let index = 0; index < perRoundCount; index += 1) {
      model.level(model.probability(prepared[index % prepared.length] ?? ''));
    }
  };
  classifyRound();
  const perRound: number[] = [];
  for (let round = 0; round < repeats; round += 1) {
    const started = performance.now();
    classifyRound();
    perRound.push((performance.now() - started) / perRoundCount);
  }
  const perMessageMs =
    [...perRound].sort((left, right) => left - right)[Math.floor(perRound.length / 2)] ?? NaN;
  const added = codeBytes + weightsBytes;
  return {
    code_bytes: codeBytes,
    weights_bytes: weightsBytes,
    added_bytes: added,
    added_within_limit: added <= CRISIS_ADDED_BYTES_LIMIT,
    messages: messages.length,
    per_message_ms: Number(perMessageMs.toFixed(4)),
    per_message_within_limit: perMessageMs < CRISIS_PER_MESSAGE_LIMIT_MS,
    weights_load_ms: Number([...loads].sort((left, right) => left - right)[2]?.toFixed(1) ?? NaN),
  };
}

/** The bench's line for it; sets a failing exit code past either limit. */
export function reportCrisisClassifier(figures: Awaited<ReturnType<typeof measureCrisisClassifier>>): void {
  console.info(
    `\nCrisis classifier: adds ${(figures.added_bytes / 1024).toFixed(0)} KB to chat ` +
      `(code ${(figures.code_bytes / 1024).toFixed(1)} KB + weights ${(figures.weights_bytes / 1024).toFixed(0)} KB; limit 300 KB), ` +
      `${(figures.per_message_ms * 1000).toFixed(0)} µs per message over ${figures.messages} messages (limit 200 µs), ` +
      `weights loaded on first use in ${figures.weights_load_ms} ms`,
  );
  if (!figures.added_within_limit || !figures.per_message_within_limit) process.exitCode = 1;
}

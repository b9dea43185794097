/**
 * A local classifier's cost in the chat function, the same way for each (issue 3's and issue 10's
 * limits): what it adds (its code in the bundle, from esbuild's metafile, plus its weights file; at most
 * 300 KB), the time per message (under 0.2 ms), and the one-off cost of reading the weights, which only a
 * turn that needs the classifier pays.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';

export const ADDED_BYTES_LIMIT = 300 * 1024;
export const PER_MESSAGE_LIMIT_MS = 0.2;

export interface ClassifierUnderTest<Model, Input> {
  /** Whether an input of the chat bundle (a path with `/`) is this classifier's code. */
  isCode(input: string): boolean;
  weightsPath: string;
  load(): Model;
  /** What the classifier reads for a message (prepared once, outside the timing). */
  prepare(message: string): Input;
  classify(model: Model, input: Input): unknown;
}

function median(values: readonly number[]): number {
  return [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)] ?? Number.NaN;
}

export async function measureClassifier<Model, Input>(
  subject: ClassifierUnderTest<Model, Input>,
  messages: readonly string[],
  repeats: number,
) {
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
      if (subject.isCode(input.split(path.sep).join('/'))) codeBytes += details.bytesInOutput;
    }
  }
  const weightsBytes = statSync(subject.weightsPath).size;
  const loads: number[] = [];
  let model = subject.load();
  for (let run = 0; run < 5; run += 1) {
    const started = performance.now();
    model = subject.load();
    loads.push(performance.now() - started);
  }
  const inputs = messages.map((message) => subject.prepare(message));
  // Rounds of at least 5,000 classifications after as many for warm-up, so the figure is the optimised
  // code's and a few short messages still give a steady measure.
  const perRoundCount = Math.max(5_000, inputs.length);
  const classifyRound = () => {
    for (let index = 0; index < perRoundCount; index += 1) {
      const input = inputs[index % inputs.length];
      if (input !== undefined) subject.classify(model, input);
    }
  };
  classifyRound();
  const perRound: number[] = [];
  for (let round = 0; round < repeats; round += 1) {
    const started = performance.now();
    classifyRound();
    perRound.push((performance.now() - started) / perRoundCount);
  }
  const perMessageMs = median(perRound);
  const added = codeBytes + weightsBytes;
  return {
    code_bytes: codeBytes,
    weights_bytes: weightsBytes,
    added_bytes: added,
    added_within_limit: added <= ADDED_BYTES_LIMIT,
    messages: messages.length,
    per_message_ms: Number(perMessageMs.toFixed(4)),
    per_message_within_limit: perMessageMs < PER_MESSAGE_LIMIT_MS,
    weights_load_ms: Number(median(loads).toFixed(1)),
  };
}

export type ClassifierFigures = Awaited<ReturnType<typeof measureClassifier>>;

/** The bench's line for a classifier; sets a failing exit code past either limit. */
export function reportClassifier(name: string, figures: ClassifierFigures): void {
  console.info(
    `\n${name}: adds ${(figures.added_bytes / 1024).toFixed(0)} KB to chat ` +
      `(code ${(figures.code_bytes / 1024).toFixed(1)} KB + weights ${(figures.weights_bytes / 1024).toFixed(0)} KB; limit 300 KB), ` +
      `${(figures.per_message_ms * 1000).toFixed(0)} µs per message over ${figures.messages} messages (limit 200 µs), ` +
      `weights loaded on first use in ${figures.weights_load_ms} ms`,
  );
  if (!figures.added_within_limit || !figures.per_message_within_limit) process.exitCode = 1;
}

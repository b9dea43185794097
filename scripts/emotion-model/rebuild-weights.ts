/**
 * `npm run build:emotion-model [-- CPED_FILE]`: rebuilds prompt/basic-emotion-model.json from CPED
 * (default ../shared/data/emotion-dev/cped-valid.jsonl) and the team lexicon prompt/emotion-lexicon.txt.
 * Same input, byte-identical output. `--out FILE` writes elsewhere (the tests use it). See docs/emotion.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EMOTION_ASSETS_DIR, EMOTION_MODEL_FILE } from '../../shared/emotion/load-emotion-model.js';
import { buildEmotionModel } from './build-emotion-model.js';
import { EMOTION_LEXICON_FILE } from './parse-emotion-lexicon.js';
import { serialiseEmotionModel } from './serialise-emotion-model.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: path.join(EMOTION_ASSETS_DIR, EMOTION_MODEL_FILE) },
    lexicon: { type: 'string', default: path.join(EMOTION_ASSETS_DIR, EMOTION_LEXICON_FILE) },
  },
});
const cpedFile = positionals[0] ?? path.join('..', 'shared', 'data', 'emotion-dev', 'cped-valid.jsonl');

const model = buildEmotionModel(readFileSync(cpedFile, 'utf8'), readFileSync(values.lexicon, 'utf8'));
const json = serialiseEmotionModel(model);
writeFileSync(values.out, json);
console.info(
  `wrote ${values.out}: ${Buffer.byteLength(json)} bytes, ${Object.keys(model.ngrams).length} n-grams, ` +
    `${Object.keys(model.lexicon.words).length} lexicon words, temperature ${model.settings.temperature}`,
);

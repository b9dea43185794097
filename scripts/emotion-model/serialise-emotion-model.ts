import type { EmotionModelFile } from '../../shared/emotion/emotion-model-file.js';

/** Objects this deep get one key per line (the file's sections, each n-gram, each lexicon word). */
const EXPANDED_DEPTH = 2;
/** The project's formatter line width (biome.json): a longer array is written one item per line. */
const LINE_WIDTH = 110;

/**
 * JSON with keys in code-point order and a fixed layout, so the same model is always the same bytes
 * (JSON.stringify keeps insertion order, and puts keys like "666" first), a rebuild's diff shows which
 * n-grams and words changed, one per line, and `biome check` finds the file already formatted.
 */
export function serialiseEmotionModel(model: EmotionModelFile): string {
  return `${layout(model, 0, 0)}\n`;
}

/** `column` is where the value starts on its line, to decide whether an array fits. */
function layout(value: unknown, depth: number, column: number): string {
  const indent = '  '.repeat(depth);
  if (Array.isArray(value)) {
    const inline = `[${value.map((item) => layout(item, depth + 1, 0)).join(', ')}]`;
    if (column + displayWidth(inline) + 1 <= LINE_WIDTH) return inline;
    return `[\n${value.map((item) => `${indent}  ${layout(item, depth + 1, 0)}`).join(',\n')}\n${indent}]`;
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  const entry = (key: string, at: number) =>
    `${JSON.stringify(key)}: ${layout((value as Record<string, unknown>)[key], depth + 1, at + displayWidth(key) + 4)}`;
  if (keys.length === 0) return '{}';
  if (depth > EXPANDED_DEPTH) return `{ ${keys.map((key) => entry(key, 0)).join(', ')} }`;
  return `{\n${keys.map((key) => `${indent}  ${entry(key, indent.length + 2)}`).join(',\n')}\n${indent}}`;
}

const WIDE_CHARACTER =
  /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|\p{Extended_Pictographic}/u;

/** Columns as the formatter counts them: CJK characters and emoji take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const character of text) width += WIDE_CHARACTER.test(character) ? 2 : 1;
  return width;
}

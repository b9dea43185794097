import * as z from 'zod/mini';
import type { BasicEmotionResult } from '../../shared/emotion/basic-emotions.js';

const inputLineSchema = z.object({ text: z.string() });

export interface ClassifiedLine {
  /** The JSON line to write: the label and scores, or an `error`. */
  output: string;
  bad: boolean;
}

/**
 * One input line of `npm run classify-emotion` → one output line. A line that is not a JSON object with a
 * string `text` (an empty line included, so output line N always answers input line N) gets an error line.
 */
export function classifyJsonLine(
  line: string,
  classify: (text: string) => BasicEmotionResult,
): ClassifiedLine {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { output: JSON.stringify({ error: 'not valid JSON' }), bad: true };
  }
  const parsed = inputLineSchema.safeParse(json);
  if (!parsed.success)
    return { output: JSON.stringify({ error: 'expected an object with a string "text"' }), bad: true };
  const { label, scores } = classify(parsed.data.text);
  return { output: JSON.stringify({ label, scores }), bad: false };
}

import * as z from 'zod/mini';

const labelledLineSchema = z.object({
  text: z.string(),
  label: z.string(),
  source: z.optional(z.string()),
  dialogue_id: z.optional(z.string()),
});
export type LabelledLine = z.infer<typeof labelledLineSchema>;

export interface LabelledLines {
  lines: LabelledLine[];
  /** 1-based numbers of the lines that were not a JSON object with string `text` and `label`. */
  badLineNumbers: number[];
}

/** JSON lines `{"text", "label", "source"?, "dialogue_id"?}`; blank lines are skipped, bad ones counted. */
export function readLabelledLines(source: string): LabelledLines {
  const lines: LabelledLine[] = [];
  const badLineNumbers: number[] = [];
  source.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      badLineNumbers.push(index + 1);
      return;
    }
    const parsed = labelledLineSchema.safeParse(json);
    if (parsed.success) lines.push(parsed.data);
    else badLineNumbers.push(index + 1);
  });
  return { lines, badLineNumbers };
}

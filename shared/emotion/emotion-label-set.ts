import * as z from 'zod/mini';

const labelName = z.string().check(z.regex(/^[a-z][a-z_]{0,31}$/));

/** The shape of `prompt/emotion-labels.json`: the monster's expressions, editable without code changes. */
export const emotionLabelSetSchema = z
  .object({
    version: z.literal(1),
    fallback: labelName,
    labels: z
      .array(
        z.object({
          label: labelName,
          name_zh: z.string().check(z.minLength(1)),
          description_zh: z.string().check(z.minLength(1)),
          sprite: z.string().check(z.minLength(1)),
          keywords: z._default(z.array(z.string().check(z.minLength(1))), []),
        }),
      )
      .check(z.minLength(1)),
  })
  .check(
    z.refine(
      (set) => set.labels.some((entry) => entry.label === set.fallback),
      'fallback must be one of the labels',
    ),
    z.refine(
      (set) => new Set(set.labels.map((entry) => entry.label)).size === set.labels.length,
      'labels must be unique',
    ),
  );

export type EmotionLabelSet = z.infer<typeof emotionLabelSetSchema>;

export function hasLabel(set: EmotionLabelSet, label: string): boolean {
  return set.labels.some((entry) => entry.label === label);
}

import { z } from 'zod';

const labelName = z.string().regex(/^[a-z][a-z_]{0,31}$/);

/** The shape of `prompt/emotion-labels.json`: the monster's expressions, editable without code changes. */
export const emotionLabelSetSchema = z
  .object({
    version: z.literal(1),
    fallback: labelName,
    labels: z
      .array(
        z.object({
          label: labelName,
          name_zh: z.string().min(1),
          description_zh: z.string().min(1),
          sprite: z.string().min(1),
          keywords: z.array(z.string().min(1)).default([]),
        }),
      )
      .min(1),
  })
  .refine((set) => set.labels.some((entry) => entry.label === set.fallback), {
    message: 'fallback must be one of the labels',
  })
  .refine((set) => new Set(set.labels.map((entry) => entry.label)).size === set.labels.length, {
    message: 'labels must be unique',
  });

export type EmotionLabelSet = z.infer<typeof emotionLabelSetSchema>;

export function hasLabel(set: EmotionLabelSet, label: string): boolean {
  return set.labels.some((entry) => entry.label === label);
}

import * as z from 'zod/mini';
import { basicEmotions } from './basic-emotions.js';

const labelName = z.string().check(z.regex(/^[a-z][a-z_]{0,31}$/));

/**
 * The shape of `prompt/emotion-labels.json`: the monster's expressions, editable without code changes.
 * `from_basic` maps each of the classifier's basic emotions to an expression (fear → worried), so a new
 * expression set needs no code change.
 */
export const emotionLabelSetSchema = z
  .object({
    version: z.literal(1),
    fallback: labelName,
    from_basic: z.record(z.enum(basicEmotions), labelName),
    labels: z
      .array(
        z.object({
          label: labelName,
          name_zh: z.string().check(z.minLength(1)),
          description_zh: z.string().check(z.minLength(1)),
          sprite: z.string().check(z.minLength(1)),
          /** Example replies, rendered into the system prompt as few-shot guidance. */
          examples_zh: z._default(z.array(z.string().check(z.minLength(1))), []),
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
    z.refine(
      (set) =>
        basicEmotions.every((basic) => set.labels.some((entry) => entry.label === set.from_basic[basic])),
      'from_basic must map every basic emotion (happy, sad, angry, fear, surprise, disgust, neutral) to a label',
    ),
  );

export type EmotionLabelSet = z.infer<typeof emotionLabelSetSchema>;

export function hasLabel(set: EmotionLabelSet, label: string): boolean {
  return set.labels.some((entry) => entry.label === label);
}

import type { EmotionLabelSet } from '../emotion/emotion-label-set.js';

export interface LabelsReply {
  version: number;
  /** The expression to show for a label this client does not know (e.g. one added after its release). */
  default_label: string;
  default_sprite: string;
  labels: { label: string; name_zh: string; description_zh: string; sprite: string }[];
  /** How the local classifier's basic emotions map to expressions, for clients that want to know. */
  from_basic: EmotionLabelSet['from_basic'];
}

/**
 * `{"action": "labels"}`: the monster's expressions as the deployed label file defines them, so the
 * mini-program needs no hard-coded list and picks up a new expression without a release.
 */
export function describeLabels(labelSet: EmotionLabelSet): LabelsReply {
  const fallback = labelSet.labels.find((entry) => entry.label === labelSet.fallback);
  return {
    version: labelSet.version,
    default_label: labelSet.fallback,
    default_sprite: fallback?.sprite ?? '',
    labels: labelSet.labels.map(({ label, name_zh, description_zh, sprite }) => ({
      label,
      name_zh,
      description_zh,
      sprite,
    })),
    from_basic: labelSet.from_basic,
  };
}

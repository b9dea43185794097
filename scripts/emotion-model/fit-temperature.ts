import type { BasicEmotion } from '../../shared/emotion/basic-emotions.js';
import {
  combineEmotionEvidence,
  type EmotionModel,
  gatherEmotionEvidence,
} from '../../shared/emotion/emotion-model.js';

/**
 * The softmax temperature that makes the held-out lines most likely (least log loss), from a fixed grid
 * so the build stays deterministic. Accuracy does not move; what moves is how far a score of 0.6 can be
 * trusted.
 */
export function fitTemperature(
  model: EmotionModel,
  heldOut: readonly { text: string; label: BasicEmotion }[],
): number {
  if (heldOut.length === 0) return 1;
  const evidence = heldOut.map((line) => ({ line, evidence: gatherEmotionEvidence(line.text, model) }));
  let best = { temperature: 1, loss: Number.POSITIVE_INFINITY };
  for (let step = 10; step <= 400; step += 5) {
    const temperature = step / 100;
    const settings = { ...model.settings, temperature };
    let loss = 0;
    for (const { line, evidence: found } of evidence) {
      const { scores } = combineEmotionEvidence(found, settings, model.bias);
      loss -= Math.log(Math.max(scores[line.label], 1e-12));
    }
    if (loss < best.loss) best = { temperature, loss };
  }
  return best.temperature;
}

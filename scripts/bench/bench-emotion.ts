/**
 * The emotion classifier under the bench's classifier measure: its code in the bundle and the weights
 * beside it. The bundle's cold load never reads them; a turn that needs the classifier does, once.
 */
import { classifyWithEmotionModel } from '../../shared/emotion/classify-basic-emotion.js';
import { loadEmotionModel, resolveEmotionModelPath } from '../../shared/emotion/load-emotion-model.js';
import { measureClassifier } from './measure-classifier.js';

export function measureEmotionClassifier(messages: readonly string[], repeats: number) {
  const weightsPath = resolveEmotionModelPath();
  return measureClassifier(
    {
      isCode: (input) => input.startsWith('shared/emotion/'),
      weightsPath,
      load: () => loadEmotionModel(weightsPath),
      prepare: (message) => message,
      classify: (model, message) => classifyWithEmotionModel(message, model),
    },
    messages,
    repeats,
  );
}

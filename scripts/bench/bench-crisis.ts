/**
 * The crisis classifier under the bench's classifier measure: its code and the shared normalisation in
 * the bundle, the weights shipped beside it, and the classifier alone on the prepared text.
 */
import path from 'node:path';
import { loadCrisisRules } from '../../shared/safety/load-crisis-assets.js';
import { CRISIS_MODEL_FILE, readCrisisModel } from '../../shared/safety/load-crisis-model.js';
import { prepareCrisisText } from '../../shared/safety/screen-crisis-risk.js';
import { measureClassifier } from './measure-classifier.js';

const CLASSIFIER_CODE = [
  'shared/safety/crisis-model.ts',
  'shared/safety/crisis-features.ts',
  'shared/safety/load-crisis-model.ts',
  'shared/text/normalise-text.ts',
  'shared/text/traditional-characters.ts',
];

export function measureCrisisClassifier(messages: readonly string[], repeats: number) {
  const promptDir = path.resolve('prompt');
  const rules = loadCrisisRules(promptDir);
  return measureClassifier(
    {
      isCode: (input) => CLASSIFIER_CODE.includes(input),
      weightsPath: path.join(promptDir, CRISIS_MODEL_FILE),
      load: () => readCrisisModel(promptDir),
      prepare: (message) => prepareCrisisText(message, rules),
      classify: (model, text) => model.level(model.probability(text)),
    },
    messages,
    repeats,
  );
}

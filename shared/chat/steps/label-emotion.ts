import { resolveReplyEmotion } from '../../emotion/resolve-reply-emotion.js';
import { modelError } from '../../model/model-errors.js';
import type { TurnContext } from '../turn-context.js';

/** The monster's face: the model's tag, checked against the local classifier; the tag leaves the text. */
export function labelEmotion(turn: TurnContext): void {
  const labelled = resolveReplyEmotion(turn.completion?.text ?? '', turn.settings.prompt.labelSet);
  if (labelled.modelEmotion !== undefined) {
    turn.logger.info('emotion.overridden', {
      model_emotion: labelled.modelEmotion,
      emotion: labelled.emotion,
    });
  }
  if (labelled.content === '') throw modelError('LLM_EMPTY_REPLY', { detail: 'only an emotion tag' });
  turn.labelled = labelled;
}

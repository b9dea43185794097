import { AppError } from '../../errors/app-error.js';
import type { TurnContext } from '../turn-context.js';

/**
 * The client's history seeds a new session and goes to the model, so it gets the local word list (one
 * WeChat call per item would be up to 50): a refused item refuses the request, and nothing is stored.
 */
export async function checkSeededHistory(turn: TurnContext): Promise<void> {
  if ((turn.session?.message_count ?? 0) > 0) return;
  const { wordList } = turn.settings.safety.content;
  for (const [index, item] of turn.request.history.entries()) {
    const result = await wordList.check({ openid: turn.request.userId, content: item.content, scene: 2 });
    if (result.verdict === 'risky') {
      throw new AppError(
        'CONTENT_BLOCKED',
        '历史记录里有没法保存的内容，请删掉后再试。(A history item did not pass the content check)',
        { field: `history.${index}.content`, retryable: false },
      );
    }
  }
}

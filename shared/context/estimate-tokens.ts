/**
 * A conservative token estimate for what is sent to the model, with no tokenizer loaded.
 *
 * Every character outside ASCII (each CJK character included) counts as a whole token, and a character
 * outside the Basic Multilingual Plane (most emoji) as two. That is at or above what the providers we
 * support charge: their tokenizers are trained on Chinese, so a common CJK character is one token or a
 * part of one (DeepSeek documents about 0.6 token per Chinese character, Qwen and GLM are of the same
 * order). ASCII counts as one token per 3 characters, where English runs at about 4 per token and
 * DeepSeek documents 0.3 token per character. So the budget errs towards sending less, never more.
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (code < 0x80) ascii += 1;
    else other += code > 0xffff ? 2 : 1;
  }
  return other + Math.ceil(ascii / 3);
}

/** What a chat message costs beyond its text: the role and the separators around it. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

export function estimateMessageTokens(content: string): number {
  return MESSAGE_OVERHEAD_TOKENS + estimateTokens(content);
}

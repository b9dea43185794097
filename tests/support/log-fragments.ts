/** Secrets a privacy test passes in its environment, to find none of them in a log. */
export const PRIVACY_SECRETS = {
  CLOUDBASE_SECRET_KEY: 'cloudbase-secret-NEVER-LOG-abcdef',
  AUTH_TOKEN_SECRET: 'auth-secret-NEVER-LOG-0123456789abcdefghij',
};

/** Every 4-character piece of a text: a log that quotes any part of it is caught. */
export function fragments(text: string): string[] {
  const characters = [...text];
  return characters
    .slice(0, Math.max(1, characters.length - 3))
    .map((_, index) => characters.slice(index, index + 4).join(''));
}

/**
 * The pieces of a model's answer or a person's message without a leading emotion tag, whose ASCII
 * pieces ("ring" of "[caring]") a log may hold legitimately, in the emotion's name.
 */
export function spokenText(text: string): string[] {
  return fragments(text.replace(/^\[[a-z]+\]\s*/, ''));
}

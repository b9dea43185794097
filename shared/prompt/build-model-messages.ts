import type { StoredMessage } from '../storage/session-document.js';

export interface ModelMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The model's context: the persona, the most recent answered messages, then the new message. User
 * messages whose turn failed are left out: they were never answered, and the user usually sends them
 * again. Earlier replies get their emotion tag back, so the model keeps seeing the format it must follow.
 */
export function buildModelMessages(options: {
  systemPrompt: string;
  history: readonly StoredMessage[];
  newMessage: string;
  maxHistoryMessages: number;
}): ModelMessage[] {
  const answered = options.history.filter((message) => message.status !== 'failed');
  const recent = answered.slice(-options.maxHistoryMessages);
  return [
    { role: 'system', content: options.systemPrompt },
    ...recent.map(
      (message): ModelMessage =>
        message.role === 'user'
          ? { role: 'user', content: message.content }
          : {
              role: 'assistant',
              content:
                message.emotion === undefined ? message.content : `[${message.emotion}] ${message.content}`,
            },
    ),
    { role: 'user', content: options.newMessage },
  ];
}

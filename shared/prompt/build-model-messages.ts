import type { StoredMessage } from '../storage/session-document.js';

export interface ModelMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The answered part of a session in conversation order: each answered user message directly followed by
 * its reply. Concurrent turns store their questions before their replies (Q1 Q2 A1 A2), which the model
 * must not read as one question answered twice. Unanswered messages (pending, failed, blocked) are left
 * out: the model would otherwise treat them as answered, and a retry sends them again anyway.
 */
export function answeredConversation(messages: readonly StoredMessage[]): StoredMessage[] {
  const replies = new Map<string, StoredMessage>();
  for (const message of messages) {
    if (message.role === 'agent' && message.reply_to !== undefined) replies.set(message.reply_to, message);
  }
  const ordered: StoredMessage[] = [];
  for (const message of messages) {
    if (message.role === 'agent') {
      // Replies are placed with their question; a reply without one (the client's seed) stays in place.
      if (message.reply_to === undefined) ordered.push(message);
      continue;
    }
    const reply = replies.get(message.message_id);
    if (reply !== undefined) ordered.push(message, reply);
    else if (message.status === undefined || message.status === 'complete') ordered.push(message);
  }
  return ordered;
}

/**
 * A stored message as the model reads it. Earlier replies get their emotion tag back, so the model keeps
 * seeing the format it must follow.
 */
export function toModelMessage(message: StoredMessage): ModelMessage {
  if (message.role === 'user') return { role: 'user', content: message.content };
  return {
    role: 'assistant',
    content: message.emotion === undefined ? message.content : `[${message.emotion}] ${message.content}`,
  };
}

import type { ChatRequest } from '../chat/parse-chat-request.js';
import { streamChatTurn } from '../chat/stream/stream-chat-turn.js';
import { TurnStream } from '../chat/stream/turn-stream.js';
import type { EventStreamWriter } from '../http/event-stream.js';
import type { Endpoint } from '../runtime/endpoint.js';
import { createChatTurn, parseChatTurnRequest } from './chat-endpoint.js';

/**
 * POST /api/chat/stream: the body of POST /api/chat, the same turn, its reply as server-sent events
 * written to `writer` (docs/streaming.md). HTTP only: callFunction cannot stream.
 */
export function chatStreamEndpoint(writer: EventStreamWriter): Endpoint<ChatRequest> {
  return {
    name: 'chat-stream',
    method: 'POST',
    route: '/api/chat/stream',
    usesModel: true,
    parse: parseChatTurnRequest,
    run: async (request, dependencies) => {
      const turn = createChatTurn(request, dependencies);
      return streamChatTurn(turn, new TurnStream(turn, writer, dependencies.config.limits.crisisJudgeWaitMs));
    },
  };
}

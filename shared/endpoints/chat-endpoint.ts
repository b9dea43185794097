import { handleChat } from '../chat/handle-chat.js';
import { type ChatRequest, parseChatRequest } from '../chat/parse-chat-request.js';
import type { Endpoint } from '../runtime/create-function-handler.js';

export const chatEndpoint: Endpoint<ChatRequest> = {
  name: 'chat',
  method: 'POST',
  route: '/api/chat',
  parse: (raw, dependencies) => parseChatRequest(raw, dependencies.config.limits),
  run: (request, dependencies) =>
    handleChat(request, {
      store: dependencies.store,
      model: dependencies.model,
      prompt: dependencies.prompt,
      limits: dependencies.config.limits,
      modelRetry: {
        maxAttempts: dependencies.config.model.maxAttempts,
        maxRetryWaitMs: dependencies.config.model.maxRetryWaitMs,
      },
      clock: dependencies.clock,
      ids: dependencies.ids,
      logger: dependencies.logger,
    }),
};

import { handleChat } from '../chat/handle-chat.js';
import { type ChatRequest, parseChatRequest } from '../chat/parse-chat-request.js';
import type { ChatModel } from '../model/chat-model.js';
import { createChatModel } from '../model/create-chat-model.js';
import type { Endpoint } from '../runtime/create-function-handler.js';
import type { ServiceDependencies } from '../runtime/service-dependencies.js';

// Built here rather than with the other dependencies so only the chat bundle carries the model SDK.
const models = new WeakMap<ServiceDependencies, ChatModel>();
function modelFor(dependencies: ServiceDependencies): ChatModel {
  let model = models.get(dependencies);
  if (model === undefined) {
    model =
      dependencies.modelOverride ?? createChatModel(dependencies.config.model, dependencies.prompt.labelSet);
    models.set(dependencies, model);
  }
  return model;
}

export const chatEndpoint: Endpoint<ChatRequest> = {
  name: 'chat',
  method: 'POST',
  route: '/api/chat',
  usesModel: true,
  parse: (raw, dependencies) => parseChatRequest(raw, dependencies.config.limits),
  run: (request, dependencies) =>
    handleChat(request, {
      store: dependencies.store,
      model: modelFor(dependencies),
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

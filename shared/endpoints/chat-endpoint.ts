import { handleChat } from '../chat/handle-chat.js';
import { type ChatRequest, parseChatRequest } from '../chat/parse-chat-request.js';
import type { ChatModel } from '../model/chat-model.js';
import { createChatModel, createFallbackChatModel } from '../model/create-chat-model.js';
import type { Endpoint } from '../runtime/create-function-handler.js';
import type { ServiceDependencies } from '../runtime/service-dependencies.js';

// Built here rather than with the other dependencies so only the chat bundle carries the model SDK.
const models = new WeakMap<ServiceDependencies, { model: ChatModel; fallback: ChatModel | undefined }>();
function modelsFor(dependencies: ServiceDependencies) {
  let built = models.get(dependencies);
  if (built === undefined) {
    const { config, prompt, modelOverride } = dependencies;
    built = {
      model: modelOverride ?? createChatModel(config.model, prompt.labelSet),
      fallback: modelOverride === undefined ? createFallbackChatModel(config.model) : undefined,
    };
    models.set(dependencies, built);
  }
  return built;
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
      model: modelsFor(dependencies).model,
      fallbackModel: modelsFor(dependencies).fallback,
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

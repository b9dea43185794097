import { mintAuthToken } from '../auth/auth-token.js';
import { withCareForRejectedMessage } from '../chat/care-for-rejected-message.js';
import { buildChatSafety, type ChatSafety } from '../chat/chat-safety.js';
import { LateSideCallStore } from '../chat/late-side-calls.js';
import { MemoryOffUsers } from '../chat/memory-off-users.js';
import { type ChatRequest, parseChatRequest } from '../chat/parse-chat-request.js';
import { runChatTurn } from '../chat/run-chat-turn.js';
import { createTurnBudget } from '../chat/turn-budget.js';
import { createTurnContext } from '../chat/turn-context.js';
import { buildContextSettings, type ContextSettings } from '../context/context-settings.js';
import { AppError } from '../errors/app-error.js';
import { createUsageStore } from '../limits/create-usage-store.js';
import type { UsageStore } from '../limits/usage-store.js';
import type { ChatModel } from '../model/chat-model.js';
import { createChatModel, createFallbackChatModel } from '../model/create-chat-model.js';
import { resolvePromptDir } from '../prompt/load-prompt-assets.js';
import type { Endpoint } from '../runtime/endpoint.js';
import type { Transport } from '../runtime/resolve-user-id.js';
import type { ServiceDependencies } from '../runtime/service-dependencies.js';
import { systemTimers } from '../runtime/system-timers.js';

interface ChatParts {
  model: ChatModel;
  fallback: ChatModel | undefined;
  safety: ChatSafety;
  usage: UsageStore;
  context: ContextSettings;
  /** Kept by the warm instance between turns: whose memory is off, side calls that ended late. */
  offUsers: MemoryOffUsers;
  lateSideCalls: LateSideCallStore;
}

// Built here rather than with the other dependencies so only the chat bundle carries the model SDK and
// the safety files; once per warm instance, like the rest.
const parts = new WeakMap<ServiceDependencies, ChatParts>();
function partsFor(dependencies: ServiceDependencies): ChatParts {
  let built = parts.get(dependencies);
  if (built === undefined) {
    const { config, prompt, modelOverride } = dependencies;
    const promptDir = resolvePromptDir(config.promptDir);
    const safety = buildChatSafety(config, promptDir);
    built = {
      model: modelOverride ?? createChatModel(config.model, prompt.labelSet, systemTimers),
      fallback: modelOverride === undefined ? createFallbackChatModel(config.model, systemTimers) : undefined,
      safety,
      usage: dependencies.usageStore ?? createUsageStore(config),
      // A budget that cannot hold the fixed parts is CONFIG_INVALID here, before any turn runs.
      context: buildContextSettings({
        tokenBudget: config.limits.contextTokenBudget,
        readLimit: config.limits.contextMaxMessages,
        maxMessageChars: config.limits.maxMessageChars,
        promptDir,
        prompt,
        crisis: safety.crisis,
      }),
      offUsers: new MemoryOffUsers(),
      lateSideCalls: new LateSideCallStore(),
    };
    parts.set(dependencies, built);
  }
  return built;
}

/** A chat request's body, validated; a rejected message that shows a risk still gets the hotlines. */
export function parseChatTurnRequest(raw: unknown, dependencies: ServiceDependencies): ChatRequest {
  try {
    return parseChatRequest(raw, dependencies.config.limits);
  } catch (error) {
    throw withCareForRejectedMessage(error, raw, partsFor(dependencies).safety);
  }
}

/** One turn on this warm instance's ports and settings, on real time. */
export function createChatTurn(request: ChatRequest & { userId: string }, dependencies: ServiceDependencies) {
  const { model, fallback, safety, usage, context, offUsers, lateSideCalls } = partsFor(dependencies);
  const { config } = dependencies;
  return createTurnContext(request, {
    ports: {
      store: dependencies.store,
      usage: { store: usage, limits: config.usageLimits },
      model,
      fallbackModel: fallback,
      memory: { store: dependencies.memory, offUsers },
      lateSideCalls,
    },
    settings: {
      limits: config.limits,
      modelRetry: { maxAttempts: config.model.maxAttempts, maxRetryWaitMs: config.model.maxRetryWaitMs },
      aiLabelText: config.aiLabelText,
      prompt: dependencies.prompt,
      safety,
      crisisCare: config.crisisCare,
      context,
    },
    budget: createTurnBudget(systemTimers, config.limits),
    clock: dependencies.clock,
    ids: dependencies.ids,
    logger: dependencies.logger,
  });
}

type ChatEndpointRequest =
  | ({ action: 'chat' } & ChatRequest)
  | { action: 'token'; userId: string | undefined };

function isTokenRequest(raw: unknown): raw is { action: 'token'; user_id?: unknown } {
  return typeof raw === 'object' && raw !== null && (raw as { action?: unknown }).action === 'token';
}

export const chatEndpoint: Endpoint<ChatEndpointRequest> = {
  name: 'chat',
  method: 'POST',
  route: '/api/chat',
  usesModel: true,
  parse: (raw, dependencies) => {
    if (isTokenRequest(raw)) {
      return { action: 'token', userId: typeof raw.user_id === 'string' ? raw.user_id : undefined };
    }
    return { action: 'chat', ...parseChatTurnRequest(raw, dependencies) };
  },
  run: async (request, dependencies) => {
    if (request.action === 'token') return mintToken(request, dependencies);
    return runChatTurn(createChatTurn(request, dependencies));
  },
};

/**
 * `{"action": "token"}` through wx.cloud.callFunction: a bearer token for the HTTP path, bound to the
 * caller's OPENID. Only the mini-program path mints: a token holder could otherwise renew it forever.
 */
function mintToken(request: { userId: string; transport: Transport }, dependencies: ServiceDependencies) {
  const { secret, ttlSeconds } = dependencies.config.auth;
  if (request.transport !== 'call-function') {
    throw new AppError(
      'INVALID_INPUT',
      '登录凭证只能在小程序里获取。(Tokens are minted through callFunction only)',
      {
        field: 'action',
      },
    );
  }
  if (secret === undefined) {
    throw new AppError(
      'INVALID_INPUT',
      'HTTP 接口未开放，无需登录凭证。(No AUTH_TOKEN_SECRET is configured)',
      {
        field: 'action',
        retryable: false,
      },
    );
  }
  return mintAuthToken(request.userId, { secret, ttlSeconds, now: dependencies.clock() });
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChatSafety } from '../../shared/chat/chat-safety.js';
import { LateSideCallStore } from '../../shared/chat/late-side-calls.js';
import { MemoryOffUsers } from '../../shared/chat/memory-off-users.js';
import { createTurnBudget } from '../../shared/chat/turn-budget.js';
import { createTurnContext, type TurnContext } from '../../shared/chat/turn-context.js';
import {
  PROPOSAL_PROMPT_FILE,
  promptVersionOf,
  SUMMARY_PROMPT_FILE,
} from '../../shared/context/context-settings.js';
import type { UsageCounts, UsageStore } from '../../shared/limits/usage-store.js';
import { createLogger } from '../../shared/logging/logger.js';
import type { ChatModel, ModelAttempt, ModelReply } from '../../shared/model/chat-model.js';
import { loadPromptAssets } from '../../shared/prompt/load-prompt-assets.js';
import type { ContentCheck, ContentVerdict } from '../../shared/safety/content-check.js';
import { CRISIS_JUDGE_MARKER } from '../../shared/safety/crisis-judge.js';
import { loadCrisisAssets } from '../../shared/safety/load-crisis-assets.js';
import { loadWordListContentCheck } from '../../shared/safety/word-list-content-check.js';
import { VirtualTimers } from '../support/virtual-timers.js';
import { MemoryBackendInMemory } from './memory-backend-in-memory.js';
import { MemorySessionStore } from './memory-session-store.js';

const promptDir = path.resolve('prompt');
const prompt = loadPromptAssets(promptDir);
// The rules alone: these tests pin the pipeline's branches, not the shipped classifier's weights.
const crisis = {
  ...loadCrisisAssets(promptDir),
  classifier: { probability: () => 0, level: () => 'none' as const },
};
const wordList = loadWordListContentCheck(promptDir);
export const summaryPrompt = readFileSync(path.join(promptDir, SUMMARY_PROMPT_FILE), 'utf8').trim();
export const proposalPrompt = readFileSync(path.join(promptDir, PROPOSAL_PROMPT_FILE), 'utf8').trim();
export const promptVersion = promptVersionOf(prompt, crisis);

/** One scripted model answer: a reply (optionally after some virtual time), a failure, or silence. */
export type ModelStep =
  | {
      reply: string;
      spendMs?: number;
      tokens?: number;
      meanwhile?: () => Promise<void>;
      /** Streamed to `onText` in these pieces, `gapMs` of virtual time apart (default: the whole reply). */
      pieces?: string[];
      gapMs?: number;
    }
  | { fail: Error; spendMs?: number; pieces?: string[]; gapMs?: number }
  | { hang: true };

/**
 * A model that plays its script, one step per attempt, and records what it was asked. The crisis judge's
 * calls (its prompt starts with the judge's marker) and summary calls (their system message is the
 * summary prompt) and proposal calls (the proposal prompt) play their own scripts and are recorded
 * apart, so `attempts` stays the reply calls. Proposals answer "no title, nothing to remember" by default.
 */
export class ScriptedModel implements ChatModel {
  readonly provider = 'openai' as const;
  readonly attempts: ModelAttempt[] = [];
  readonly judgeAttempts: ModelAttempt[] = [];
  readonly summaryAttempts: ModelAttempt[] = [];
  readonly summaryScript: ModelStep[] = [];
  readonly proposalAttempts: ModelAttempt[] = [];
  readonly proposalScript: ModelStep[] = [];
  constructor(
    private readonly timers: VirtualTimers,
    readonly script: ModelStep[],
    readonly judgeScript: ModelStep[] = [],
  ) {}

  async complete(attempt: ModelAttempt): Promise<ModelReply> {
    const judging = attempt.messages[0]?.content.startsWith(CRISIS_JUDGE_MARKER) === true;
    const summary = attempt.messages[0]?.content === summaryPrompt;
    const proposal = attempt.messages[0]?.content === proposalPrompt;
    (judging
      ? this.judgeAttempts
      : summary
        ? this.summaryAttempts
        : proposal
          ? this.proposalAttempts
          : this.attempts
    ).push(attempt);
    const step = judging
      ? (this.judgeScript.shift() ?? { reply: '{"risk":"none","labels":[]}' })
      : summary
        ? (this.summaryScript.shift() ?? { reply: `{"summary": "摘要${this.summaryAttempts.length}"}` })
        : proposal
          ? (this.proposalScript.shift() ?? { reply: '{"memory": []}' })
          : (this.script.shift() ?? { reply: '[happy] 很高兴听你说。' });
    if ('hang' in step) return new Promise<ModelReply>(() => {});
    if (step.spendMs !== undefined) await this.timers.sleep(step.spendMs);
    if (attempt.onText !== undefined) {
      const pieces = step.pieces ?? ('reply' in step ? [step.reply] : []);
      for (const piece of pieces) {
        if (step.gapMs !== undefined) await this.timers.sleep(step.gapMs);
        if (attempt.signal.aborted) throw new Error('aborted');
        attempt.onText(piece);
      }
    }
    if ('fail' in step) throw step.fail;
    await step.meanwhile?.();
    const tokens = step.tokens ?? 30;
    return { text: step.reply, usage: { promptTokens: tokens - 10, completionTokens: 10 } };
  }
}

/** Usage counters in memory, with a flag that makes them fail. */
export class MemoryUsageStore implements UsageStore {
  minute = 0;
  day = 0;
  tokens = 0;
  down = false;
  async recordMessage(): Promise<UsageCounts> {
    if (this.down) throw new Error('counters down');
    this.minute += 1;
    this.day += 1;
    return { minuteMessages: this.minute, dayMessages: this.day, dayTokens: this.tokens };
  }
  async refundMessage(): Promise<void> {
    this.day = Math.max(0, this.day - 1);
  }
  async recordTokens(_userId: string, _now: Date, tokens: number): Promise<void> {
    this.tokens += tokens;
  }
  async usageOf(): Promise<UsageCounts> {
    return { minuteMessages: this.minute, dayMessages: this.day, dayTokens: this.tokens };
  }
  async deleteUsage(): Promise<number> {
    return 0;
  }
  async deleteUsageBefore(): Promise<number> {
    return 0;
  }
}

/** A WeChat-like check that answers `verdict` for texts containing `marker`, or fails when `down`. */
export class MarkerContentCheck implements ContentCheck {
  readonly name = 'fake-wechat';
  readonly checked: string[] = [];
  down = false;
  constructor(private readonly rules: { marker: string; verdict: ContentVerdict }[] = []) {}
  async check(input: { content: string }) {
    this.checked.push(input.content);
    if (this.down) throw new Error('check down');
    const rule = this.rules.find((candidate) => input.content.includes(candidate.marker));
    return { verdict: rule?.verdict ?? ('pass' as const) };
  }
}

export interface FakeWorld {
  timers: VirtualTimers;
  store: MemorySessionStore;
  /** The users' memories (an in-memory backend under the real rules), and this instance's caches. */
  memory: MemoryBackendInMemory;
  offUsers: MemoryOffUsers;
  lateSideCalls: LateSideCallStore;
  usage: MemoryUsageStore;
  model: ScriptedModel;
  fallback: ScriptedModel | undefined;
  wechat: MarkerContentCheck;
  logs: string[];
  limits: { messagesPerMinute: number; messagesPerDay: number; tokensPerDay: number };
  onFailure: 'open' | 'closed';
  /** Layers 4 and 5: the judge is off unless a test gives it a script (or turns it on). */
  crisisCare: TurnContext['settings']['crisisCare'];
  tokenBudget: number;
  readLimit: number;
  /** A new turn for this request, on this world's ports and a fresh budget. */
  turn(request: Partial<TurnContext['request']> & { message: string }): TurnContext;
}

let nextId = 0;

export function fakeWorld(
  options: {
    script?: ModelStep[];
    fallback?: ModelStep[];
    wechat?: MarkerContentCheck;
    /** The judge's answers; given, the judge is on. */
    judge?: ModelStep[];
    /** The judge's answers on the fallback provider. */
    fallbackJudge?: ModelStep[];
  } = {},
): FakeWorld {
  const timers = new VirtualTimers();
  const logs: string[] = [];
  const world: FakeWorld = {
    timers,
    store: new MemorySessionStore(),
    memory: new MemoryBackendInMemory(),
    offUsers: new MemoryOffUsers(),
    lateSideCalls: new LateSideCallStore(),
    usage: new MemoryUsageStore(),
    model: new ScriptedModel(timers, options.script ?? [], options.judge ?? []),
    fallback:
      options.fallback === undefined
        ? undefined
        : new ScriptedModel(timers, options.fallback, options.fallbackJudge ?? []),
    wechat: options.wechat ?? new MarkerContentCheck(),
    logs,
    limits: { messagesPerMinute: 100, messagesPerDay: 1000, tokensPerDay: 1_000_000 },
    onFailure: 'open',
    crisisCare: {
      judge: { enabled: options.judge !== undefined, model: undefined, timeoutMs: 3_000 },
      calmTurns: 3,
    },
    tokenBudget: 6_000,
    readLimit: 40,
    turn(request) {
      const limits = {
        chatDeadlineMs: 50_000,
        storageReserveMs: 5_000,
        crisisJudgeWaitMs: 2_000,
        maxMessageChars: 2_000,
        maxHistoryItems: 50,
        maxHistoryItemChars: 4_000,
        maxRequestBytes: 512 * 1024,
        contextMaxMessages: world.readLimit,
        contextTokenBudget: world.tokenBudget,
        maxSessionMessages: 2_000,
      };
      const safety: ChatSafety = {
        crisis,
        content: { wechat: world.wechat, wordList, policy: { review: 'allow', onFailure: world.onFailure } },
      };
      return createTurnContext(
        {
          userId: 'user_a',
          sessionId: 'session_1',
          history: [],
          timestamp: undefined,
          clientMsgId: undefined,
          ...request,
        },
        {
          ports: {
            store: world.store,
            usage: { store: world.usage, limits: world.limits },
            model: world.model,
            fallbackModel: world.fallback,
            memory: { store: world.memory.store, offUsers: world.offUsers },
            lateSideCalls: world.lateSideCalls,
          },
          settings: {
            limits,
            modelRetry: { maxAttempts: 2, maxRetryWaitMs: 3_000 },
            aiLabelText: undefined,
            prompt,
            safety,
            crisisCare: world.crisisCare,
            context: {
              tokenBudget: world.tokenBudget,
              readLimit: world.readLimit,
              summaryPrompt,
              proposalPrompt,
              promptVersion,
            },
          },
          budget: createTurnBudget(timers, limits),
          // Wall time for what is stored follows the virtual clock, from a fixed day.
          clock: () => new Date(Date.UTC(2026, 11, 4, 2) + timers.now()),
          ids: () => {
            nextId += 1;
            return `id_${nextId}`;
          },
          logger: createLogger('debug', (line) => logs.push(line)),
        },
      );
    },
  };
  return world;
}

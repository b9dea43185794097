import type { ChatModel, ModelReply } from '../model/chat-model.js';
import { modelError } from '../model/model-errors.js';
import type { ModelMessage } from '../prompt/build-model-messages.js';
import type { Timers } from '../runtime/timers.js';
import { withinDeadline } from '../runtime/within-deadline.js';
import type { CrisisLevel, CrisisScreen } from './screen-crisis-risk.js';

export const CRISIS_JUDGE_PROMPT_FILE = 'crisis-judge-prompt.txt';
/** The first line of the judge's prompt: what tells its calls from reply calls in logs and test fakes. */
export const CRISIS_JUDGE_MARKER = '[crisis-judge]';
/** The category a level raised by the judge carries, beside the labels it gave. */
export const JUDGE_CATEGORY = 'judge';
/** Enough for one line of JSON with a few labels; the judge never writes prose. */
export const CRISIS_JUDGE_MAX_TOKENS = 80;

/** The labels the prompt defines (the PsyGUARD tree); anything else the model writes is dropped. */
export const JUDGE_LABELS = new Set([
  'suicide_attempt',
  'suicide_preparation',
  'suicide_plan',
  'active_suicidal_ideation',
  'passive_suicidal_ideation',
  'self_harm_behavior',
  'self_harm_ideation',
  'harm_to_others',
  'harm_from_others',
  'third_party_risk',
  'suicide_discussion',
]);
const LEVELS: readonly CrisisLevel[] = ['none', 'medium', 'high'];

export interface CrisisJudgeOptions {
  /** The judge's instructions (prompt/crisis-judge-prompt.txt). */
  prompt: string;
  /** Another model of the same provider, when configured. */
  model: string | undefined;
  timers: Timers;
  /** Monotonic ms by which the judge answers or is given up on. */
  deadlineAt: number;
}

export interface CrisisJudgeAnswer {
  /** Undefined when the answer is not the JSON the prompt asks for. */
  screen: CrisisScreen | undefined;
  usage: ModelReply['usage'];
}

/** The message, fenced, after the instructions: one short classification call. */
export function crisisJudgeMessages(prompt: string, message: string): ModelMessage[] {
  return [
    { role: 'system', content: prompt },
    { role: 'user', content: `<message>\n${message}\n</message>` },
  ];
}

/**
 * One attempt, no retries: the judge is a second opinion and the turn does not wait for it past its
 * deadline. Rejects on a provider error or timeout; a garbled answer resolves with no screen.
 */
export async function askCrisisJudge(
  model: ChatModel,
  message: string,
  options: CrisisJudgeOptions,
): Promise<CrisisJudgeAnswer> {
  const timeoutMs = Math.floor(options.deadlineAt - options.timers.now());
  if (timeoutMs < 1) throw modelError('LLM_TIMEOUT', { detail: 'no time left for the crisis judge' });
  const controller = new AbortController();
  try {
    const reply = await withinDeadline(
      options.timers,
      model.complete({
        messages: crisisJudgeMessages(options.prompt, message),
        signal: controller.signal,
        timeoutMs,
        model: options.model,
        maxTokens: CRISIS_JUDGE_MAX_TOKENS,
        // The same message should get the same verdict: the likeliest label, not a sampled one.
        temperature: 0,
      }),
      timeoutMs,
      () => modelError('LLM_TIMEOUT', { detail: 'the crisis judge' }),
      () => controller.abort(),
    );
    return { screen: parseCrisisJudgeAnswer(reply.text), usage: reply.usage };
  } finally {
    controller.abort();
  }
}

/**
 * `{"risk": "none|medium|high", "labels": [...]}`, tolerating a code fence or words around it. Only known
 * labels are kept, so nothing the model wrote reaches a log but stable codes.
 */
export function parseCrisisJudgeAnswer(text: string): CrisisScreen | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start === -1 || end < start) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { risk, labels } = parsed as { risk?: unknown; labels?: unknown };
  const level = LEVELS.find((candidate) => candidate === risk);
  if (level === undefined) return undefined;
  const known = Array.isArray(labels)
    ? labels.filter((label): label is string => typeof label === 'string' && JUDGE_LABELS.has(label))
    : [];
  return { level, categories: [...new Set(known)].sort() };
}

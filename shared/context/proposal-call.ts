import type { TurnBudget } from '../chat/turn-budget.js';
import { MEMORY_ITEM_MAX_CHARS } from '../memory/memory-document.js';
import { MEMORY_MAX_PROPOSALS } from '../memory/proposal-changes.js';
import type { ChatModel } from '../model/chat-model.js';
import { exceedsCharacters, hasVisibleText } from '../validation/visible-text.js';
import { oneLine } from './context-sections.js';
import type { ContextTurn } from './context-turns.js';
import { type SideAnswer, type SideCall, startSideCall } from './side-call.js';

/** A title of at most 30 characters and a few short items: a small answer. */
export const PROPOSAL_MAX_TOKENS = 300;

/** What the model proposed: a session title, memory items; each already screened. */
export interface Proposals {
  title: string | undefined;
  memory: string[];
}

/** `startedAt`: the wall time the call started; what the user deleted since is not learned from it. */
export type ProposalCall = SideCall<Proposals> & { readonly startedAt: string };

export interface ProposalRequest {
  model: ChatModel;
  /** The text of prompt/proposal-prompt.txt. */
  prompt: string;
  wants: { title: boolean; memory: boolean };
  /** What the memory already holds, so the model does not propose it again. */
  known: readonly string[];
  /** The stored turns to read, oldest first (crisis-template turns are left out). */
  turns: readonly ContextTurn[];
  budget: TurnBudget;
  deadlineAt: number;
  /** The wall time now, ISO 8601. */
  startedAt: string;
  /** True for a text the crisis screen flags: never stored, as a title or as memory. */
  flagged: (text: string) => boolean;
}

/** The proposals call, or undefined when there is nothing to ask or nothing to read. */
export function startProposalCall(request: ProposalRequest): ProposalCall | undefined {
  const material = proposalMaterial(request);
  if (material === undefined) return undefined;
  const call = startSideCall({
    model: request.model,
    messages: [
      { role: 'system', content: request.prompt },
      { role: 'user', content: material },
    ],
    maxTokens: PROPOSAL_MAX_TOKENS,
    budget: request.budget,
    deadlineAt: request.deadlineAt,
    parse: (answer) => parseProposals(answer, request),
  });
  return { ...call, startedAt: request.startedAt };
}

function proposalMaterial(request: ProposalRequest): string | undefined {
  const { wants } = request;
  if (!wants.title && !wants.memory) return undefined;
  const lines = request.turns
    .filter((turn) => !turn.template)
    .flatMap((turn) =>
      turn.messages.map(
        (message) => `${message.role === 'user' ? '对方' : '你'}：${oneLine(message.content)}`,
      ),
    );
  if (lines.length === 0) return undefined;
  const tasks = [wants.title ? '标题' : undefined, wants.memory ? '记忆条目' : undefined].filter(Boolean);
  const known = request.known.map((item) => `- ${oneLine(item)}`).join('\n') || '（还没有）';
  return `要做的事：${tasks.join('、')}\n\n已经记住的条目：\n${known}\n\n对话（较早的在前）：\n${lines.join('\n')}`;
}

/**
 * `{"title": "...", "memory": ["..."]}`, a code fence or words around it tolerated. Only what was asked
 * for is taken; an item or title the crisis screen flags is dropped, as is one that is not a short line.
 */
export function parseProposals(
  answer: string,
  request: Pick<ProposalRequest, 'wants' | 'flagged'>,
): SideAnswer<Proposals> {
  const start = answer.indexOf('{');
  const end = answer.lastIndexOf('}');
  if (start === -1 || end < start) return { refused: 'garbage' };
  let value: unknown;
  try {
    value = JSON.parse(answer.slice(start, end + 1));
  } catch {
    return { refused: 'garbage' };
  }
  if (typeof value !== 'object' || value === null) return { refused: 'garbage' };
  const { title, memory } = value as { title?: unknown; memory?: unknown };
  const usable = (text: unknown): text is string =>
    typeof text === 'string' &&
    hasVisibleText(text) &&
    !exceedsCharacters(oneLine(text), MEMORY_ITEM_MAX_CHARS) &&
    !request.flagged(text);
  const proposals: Proposals = {
    title: request.wants.title && usable(title) ? oneLine(title) : undefined,
    memory:
      request.wants.memory && Array.isArray(memory)
        ? memory.slice(0, MEMORY_MAX_PROPOSALS).filter(usable).map(oneLine)
        : [],
  };
  return { value: proposals };
}

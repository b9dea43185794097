/**
 * Reading evaluation files for `npm run eval:crisis`: our labelled lines {"text", "risk", "kind"?, "round"?},
 * SOS-1K lines {"text", "level": 0–10} (risk urgency, no "no risk" class) and dialogue lines
 * {"id", "turns": [{"role", "content"}]} (no labels). Only what is needed to count; nothing is stored.
 */
import {
  type CrisisLevel,
  type CrisisScreeners,
  screenCrisisRisk,
} from '../../shared/safety/screen-crisis-risk.js';

export interface LabelledLine {
  lineNumber: number;
  text: string;
  risk: boolean;
  kind: string | undefined;
  /** Which block of lines it was written in: no field means round 1. Round 2 was written before the rules it measures. */
  round: number;
}
export interface UrgencyLine {
  lineNumber: number;
  text: string;
  urgency: number;
}
export interface DialogueLine {
  lineNumber: number;
  id: string;
  userTurns: string[];
}
export type EvaluationFile =
  | { format: 'labelled'; lines: LabelledLine[] }
  | { format: 'urgency'; lines: UrgencyLine[] }
  | { format: 'dialogues'; lines: DialogueLine[] };

/** The format is read from the first line; a line that does not fit it is an error naming the line. */
export function parseEvaluationFile(content: string): EvaluationFile {
  const records = content
    .split('\n')
    .map((line, index) => ({ line: line.trim(), lineNumber: index + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, lineNumber }) => ({ value: parseObject(line, lineNumber), lineNumber }));
  const first = records[0]?.value;
  if (first !== undefined && Array.isArray(first.turns)) {
    return {
      format: 'dialogues',
      lines: records.map(({ value, lineNumber }) => toDialogue(value, lineNumber)),
    };
  }
  if (first !== undefined && typeof first.level === 'number' && typeof first.risk !== 'boolean') {
    return {
      format: 'urgency',
      lines: records.map(({ value, lineNumber }) => {
        if (typeof value.text !== 'string' || typeof value.level !== 'number') throw lineError(lineNumber);
        return { lineNumber, text: value.text, urgency: value.level };
      }),
    };
  }
  return {
    format: 'labelled',
    lines: records.map(({ value, lineNumber }) => {
      if (typeof value.text !== 'string' || typeof value.risk !== 'boolean') throw lineError(lineNumber);
      return {
        lineNumber,
        text: value.text,
        risk: value.risk,
        kind:
          typeof value.kind === 'string'
            ? value.kind
            : typeof value.channel === 'string'
              ? value.channel
              : undefined,
        round: typeof value.round === 'number' ? value.round : 1,
      };
    }),
  };
}

function parseObject(line: string, lineNumber: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw lineError(lineNumber);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw lineError(lineNumber);
  return value as Record<string, unknown>;
}

function toDialogue(value: Record<string, unknown>, lineNumber: number): DialogueLine {
  const turns = Array.isArray(value.turns) ? (value.turns as unknown[]) : [];
  const userTurns = turns.flatMap((turn) => {
    const { role, content } = (turn ?? {}) as { role?: unknown; content?: unknown };
    return role === 'user' && typeof content === 'string' ? [content] : [];
  });
  return { lineNumber, id: typeof value.id === 'string' ? value.id : `line ${lineNumber}`, userTurns };
}

function lineError(lineNumber: number): Error {
  return new Error(
    `line ${lineNumber}: expected a JSON object with "text" and "risk" (or "level", or "turns")`,
  );
}

export interface Tally {
  positives: number;
  negatives: number;
  truePositives: number;
  falsePositives: number;
}

export function tally(outcomes: readonly { risk: boolean; flagged: boolean }[]): Tally {
  const result: Tally = { positives: 0, negatives: 0, truePositives: 0, falsePositives: 0 };
  for (const { risk, flagged } of outcomes) {
    if (risk) result.positives += 1;
    else result.negatives += 1;
    if (flagged && risk) result.truePositives += 1;
    if (flagged && !risk) result.falsePositives += 1;
  }
  return result;
}

export function recall(counts: Tally): number {
  return counts.positives === 0 ? Number.NaN : counts.truePositives / counts.positives;
}
export function falsePositiveRate(counts: Tally): number {
  return counts.negatives === 0 ? Number.NaN : counts.falsePositives / counts.negatives;
}
export function precision(counts: Tally): number {
  const flagged = counts.truePositives + counts.falsePositives;
  return flagged === 0 ? Number.NaN : counts.truePositives / flagged;
}

/** Each user turn screened alone, and with the user turns before it in the dialogue as context. */
export function screenDialogue(userTurns: readonly string[], screeners: CrisisScreeners) {
  return userTurns.map((message, index) => ({
    alone: screenCrisisRisk({ message, recentUserMessages: [] }, screeners).level,
    withContext: screenCrisisRisk({ message, recentUserMessages: userTurns.slice(0, index) }, screeners)
      .level,
  })) satisfies { alone: CrisisLevel; withContext: CrisisLevel }[];
}

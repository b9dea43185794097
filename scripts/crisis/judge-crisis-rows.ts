/**
 * `npm run eval:crisis -- --judge FILE...`: the model judge (layer 4) on labelled rows, against the
 * provider the app is configured with (OPENAI_BASE_URL, OPENAI_API_KEY, LLM_MODEL, CRISIS_JUDGE_MODEL,
 * CRISIS_JUDGE_TIMEOUT_MS). Reports recall and false positives of the judge alone, of the screen
 * (rules + classifier) and of the screen raised by the judge, and the tokens per 1,000 messages.
 * It spends the operator's tokens: one call per row. No message text is printed.
 */
import type { ChatModel } from '../../shared/model/chat-model.js';
import { systemTimers } from '../../shared/runtime/system-timers.js';
import { askCrisisJudge } from '../../shared/safety/crisis-judge.js';
import type { CrisisAssets } from '../../shared/safety/load-crisis-assets.js';
import { type CrisisLevel, LEVEL_RANK, screenCrisisRisk } from '../../shared/safety/screen-crisis-risk.js';
import type { CrisisRow } from './read-crisis-rows.js';

export interface JudgeRun {
  model: ChatModel;
  /** Shown in the report; the judge's own model when set, else the reply model. */
  modelName: string;
  judgeModel: string | undefined;
  timeoutMs: number;
  /** Calls in flight at once. */
  concurrency: number;
  /** Currency units per million tokens, when the operator gives a price. */
  pricePerMillionTokens: number | undefined;
}

type JudgeOutcome = 'answered' | 'unreadable' | 'failed';
interface JudgedRow {
  risk: boolean;
  group: string;
  judge: CrisisLevel;
  screen: CrisisLevel;
  outcome: JudgeOutcome;
  tokens: { prompt: number; completion: number };
}

export async function judgeCrisisRows(
  rows: readonly CrisisRow[],
  assets: CrisisAssets,
  run: JudgeRun,
): Promise<string[]> {
  const judged: JudgedRow[] = new Array(rows.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < rows.length) {
      const index = next;
      next += 1;
      const row = rows[index];
      if (row !== undefined) judged[index] = await judgeRow(row, assets, run);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, run.concurrency) }, worker));
  return report(judged, run);
}

async function judgeRow(row: CrisisRow, assets: CrisisAssets, run: JudgeRun): Promise<JudgedRow> {
  const screen = screenCrisisRisk({ message: row.text, recentUserMessages: [] }, assets).level;
  const base = { risk: row.risk, group: row.channel, screen };
  try {
    const answer = await askCrisisJudge(run.model, row.text, {
      prompt: assets.judgePrompt,
      model: run.judgeModel,
      timers: systemTimers,
      deadlineAt: systemTimers.now() + run.timeoutMs,
    });
    return {
      ...base,
      judge: answer.screen?.level ?? 'none',
      outcome: answer.screen === undefined ? 'unreadable' : 'answered',
      tokens: { prompt: answer.usage?.promptTokens ?? 0, completion: answer.usage?.completionTokens ?? 0 },
    };
  } catch {
    return { ...base, judge: 'none', outcome: 'failed', tokens: { prompt: 0, completion: 0 } };
  }
}

const share = (part: number, whole: number) => (whole === 0 ? '  -  ' : (part / whole).toFixed(3));
const higher = (a: CrisisLevel, b: CrisisLevel) => (LEVEL_RANK[a] >= LEVEL_RANK[b] ? a : b);

function figuresLine(name: string, rows: readonly JudgedRow[], levelOf: (row: JudgedRow) => CrisisLevel) {
  const positives = rows.filter((row) => row.risk);
  const negatives = rows.filter((row) => !row.risk);
  const caught = positives.filter((row) => levelOf(row) !== 'none').length;
  const falsePositives = negatives.filter((row) => levelOf(row) !== 'none').length;
  const highOnNoRisk = negatives.filter((row) => levelOf(row) === 'high').length;
  return (
    `  ${name.padEnd(20)}  ${share(caught, positives.length)} (${caught}/${positives.length})`.padEnd(44) +
    `${share(falsePositives, negatives.length)} (${falsePositives}/${negatives.length})`.padEnd(20) +
    `${share(highOnNoRisk, negatives.length)} (${highOnNoRisk})`
  );
}

function report(rows: readonly JudgedRow[], run: JudgeRun): string[] {
  const count = (outcome: JudgeOutcome) => rows.filter((row) => row.outcome === outcome).length;
  const prompt = rows.reduce((sum, row) => sum + row.tokens.prompt, 0);
  const completion = rows.reduce((sum, row) => sum + row.tokens.completion, 0);
  const perThousand = rows.length === 0 ? 0 : ((prompt + completion) * 1000) / rows.length;
  const lines = [
    `  judge model ${run.modelName}, ${rows.length} rows: answered ${count('answered')}, ` +
      `unreadable ${count('unreadable')}, failed or timed out ${count('failed')} (counted as none: fail open)`,
    '  layer                 recall              FPR                 high on no-risk',
    figuresLine('judge', rows, (row) => row.judge),
    figuresLine('screen', rows, (row) => row.screen),
    figuresLine('screen+judge', rows, (row) => higher(row.screen, row.judge)),
  ];
  const groups = [...new Set(rows.map((row) => row.group))].filter((group) => group !== '-');
  if (groups.length > 0) {
    lines.push('  screen+judge per channel:');
    for (const group of groups) {
      const inGroup = rows.filter((row) => row.group === group);
      lines.push(
        `  ${figuresLine(`${group} n=${inGroup.length}`, inGroup, (row) => higher(row.screen, row.judge))}`,
      );
    }
  }
  const price =
    run.pricePerMillionTokens === undefined
      ? ''
      : `, cost ${((perThousand * run.pricePerMillionTokens) / 1_000_000).toFixed(4)} at ${run.pricePerMillionTokens} per million tokens`;
  lines.push(
    `  tokens: prompt ${prompt}, completion ${completion}; per 1,000 messages ${Math.round(perThousand)}${price}`,
  );
  return lines;
}

/**
 * `npm run eval:crisis -- FILE... [--show]`: recall, false-positive rate and precision of the crisis
 * screen on JSON-lines files {"text", "risk", "kind"?}; recall per urgency band on SOS-1K-style files
 * {"text", "level"}; the share of user turns flagged in dialogue files {"id", "turns"}. Message text is
 * printed only with --show (developers running it on their own data); otherwise line numbers stay out too.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resolvePromptDir } from '../shared/prompt/load-prompt-assets.js';
import {
  type DialogueLine,
  falsePositiveRate,
  type LabelledLine,
  parseEvaluationFile,
  precision,
  recall,
  screenDialogue,
  type Tally,
  tally,
  type UrgencyLine,
} from '../shared/safety/crisis-evaluation.js';
import { loadCrisisAssets } from '../shared/safety/load-crisis-assets.js';
import { type CrisisLevel, type CrisisRules, screenCrisisRisk } from '../shared/safety/screen-crisis-risk.js';

const share = (value: number) => (Number.isNaN(value) ? '  -  ' : value.toFixed(3));

function screenAlone(text: string, rules: CrisisRules): CrisisLevel {
  return screenCrisisRisk({ message: text, recentUserMessages: [] }, rules).level;
}

function tallyLine(label: string, counts: Tally): string {
  return [
    `  ${label.padEnd(26)} n=${counts.positives + counts.negatives}`,
    `recall=${share(recall(counts))} (${counts.truePositives}/${counts.positives})`,
    `FPR=${share(falsePositiveRate(counts))} (${counts.falsePositives}/${counts.negatives})`,
    `precision=${share(precision(counts))}`,
  ].join('  ');
}

function reportLabelled(lines: LabelledLine[], rules: CrisisRules, show: boolean): void {
  const outcomes = lines.map((line) => {
    const level = screenAlone(line.text, rules);
    return { ...line, level, flagged: level !== 'none' };
  });
  console.info(tallyLine('all lines', tally(outcomes)));
  console.info(
    tallyLine('odd line numbers (1,3,…)', tally(outcomes.filter((line) => line.lineNumber % 2 === 1))),
  );
  console.info(
    tallyLine('even line numbers (2,4,…)', tally(outcomes.filter((line) => line.lineNumber % 2 === 0))),
  );
  const flaggedRisk = outcomes.filter((line) => line.risk && line.flagged);
  const high = flaggedRisk.filter((line) => line.level === 'high').length;
  console.info(`  flagged risk lines by level: high ${high}, medium ${flaggedRisk.length - high}`);
  const kinds = [...new Set(outcomes.flatMap((line) => (line.kind === undefined ? [] : [line.kind])))];
  if (kinds.length > 0) console.info('  per kind (label, lines, flagged, share flagged):');
  for (const kind of kinds) {
    const ofKind = outcomes.filter((line) => line.kind === kind);
    const flagged = ofKind.filter((line) => line.flagged).length;
    const label = ofKind.every((line) => line.risk)
      ? 'risk'
      : ofKind.every((line) => !line.risk)
        ? 'safe'
        : 'mixed';
    console.info(
      `    ${kind.padEnd(18)} ${label}  ${String(ofKind.length).padStart(4)}  ${String(flagged).padStart(4)}  ${share(flagged / ofKind.length)}`,
    );
  }
  if (!show) return;
  for (const [title, wrong] of [
    ['missed positives', outcomes.filter((line) => line.risk && !line.flagged)],
    ['false positives', outcomes.filter((line) => !line.risk && line.flagged)],
  ] as const) {
    console.info(`  ${title} (${wrong.length}):`);
    for (const line of wrong)
      console.info(`    line ${line.lineNumber} [${line.kind ?? '-'}] ${line.level}: ${line.text}`);
  }
}

const URGENCY_BANDS = [
  [0, 0],
  [1, 3],
  [4, 6],
  [7, 10],
] as const;

function reportUrgency(lines: UrgencyLine[], rules: CrisisRules, show: boolean): void {
  console.info(
    '  urgency band: lines, flagged (share), high (share)  — for levels ≥1 the share flagged is the recall',
  );
  for (const [low, high] of URGENCY_BANDS) {
    const band = lines.filter((line) => line.urgency >= low && line.urgency <= high);
    const levels = band.map((line) => screenAlone(line.text, rules));
    const flagged = levels.filter((level) => level !== 'none').length;
    const highCount = levels.filter((level) => level === 'high').length;
    const name = low === high ? `${low}` : `${low}–${high}`;
    console.info(
      `    ${name.padEnd(6)} ${String(band.length).padStart(5)}  ${String(flagged).padStart(5)} (${share(flagged / band.length)})  ${String(highCount).padStart(5)} (${share(highCount / band.length)})`,
    );
    if (show && low > 0) {
      for (const [index, line] of band.entries()) {
        if (levels[index] === 'none')
          console.info(`      missed line ${line.lineNumber} [level ${line.urgency}]: ${line.text}`);
      }
    }
  }
}

function reportDialogues(dialogues: DialogueLine[], rules: CrisisRules, show: boolean): void {
  let turns = 0;
  const counts = { alone: { medium: 0, high: 0 }, withContext: { medium: 0, high: 0 } };
  let dialoguesFlagged = 0;
  for (const dialogue of dialogues) {
    const screened = screenDialogue(dialogue.userTurns, rules);
    turns += screened.length;
    if (screened.some((turn) => turn.withContext !== 'none')) dialoguesFlagged += 1;
    for (const [index, turn] of screened.entries()) {
      if (turn.alone !== 'none') counts.alone[turn.alone] += 1;
      if (turn.withContext !== 'none') counts.withContext[turn.withContext] += 1;
      if (show && turn.withContext !== 'none') {
        console.info(
          `    ${dialogue.id} user turn ${index + 1} ${turn.alone}/${turn.withContext}: ${dialogue.userTurns[index]}`,
        );
      }
    }
  }
  for (const mode of ['alone', 'withContext'] as const) {
    const { medium, high } = counts[mode];
    const label = mode === 'alone' ? 'each turn alone' : 'with earlier user turns';
    console.info(
      `  ${label.padEnd(24)} user turns=${turns}  flagged=${medium + high} (${share((medium + high) / turns)})  high=${high}  medium=${medium}`,
    );
  }
  console.info(`  dialogues with a flagged turn: ${dialoguesFlagged}/${dialogues.length}`);
}

const args = process.argv.slice(2);
const show = args.includes('--show');
const files = args.filter((argument) => argument !== '--show');
if (files.length === 0) {
  console.error('usage: npm run eval:crisis -- FILE... [--show]');
  process.exit(1);
}
const { rules } = loadCrisisAssets(resolvePromptDir(process.env.PROMPT_DIR));
for (const file of files) {
  const parsed = parseEvaluationFile(readFileSync(file, 'utf8'));
  console.info(`${file}: ${parsed.format}, ${parsed.lines.length} lines`);
  const started = performance.now();
  if (parsed.format === 'labelled') reportLabelled(parsed.lines, rules, show);
  if (parsed.format === 'urgency') reportUrgency(parsed.lines, rules, show);
  if (parsed.format === 'dialogues') reportDialogues(parsed.lines, rules, show);
  console.info(`  (${(performance.now() - started).toFixed(0)} ms for the file)`);
}

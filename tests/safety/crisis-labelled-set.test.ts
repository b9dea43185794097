/**
 * The labelled set in tests/fixtures/crisis as a regression floor for the whole screen (rules and
 * classifier): a pattern edit or new weights that cost recall or add false positives fail here. The
 * figures on this set are optimistic (the rules' author wrote it; combined it reads about 0.98 recall at
 * 7% false positives), so the floors are not the targets: the honest figures are the cross-validated and
 * blind ones of `npm run eval:crisis` (docs/safety.md).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  falsePositiveRate,
  type LabelledLine,
  parseEvaluationFile,
  recall,
  tally,
} from '../../scripts/crisis/crisis-evaluation.js';
import { loadCrisisAssets } from '../../shared/safety/load-crisis-assets.js';
import { screenCrisisRisk } from '../../shared/safety/screen-crisis-risk.js';

const crisis = loadCrisisAssets(fileURLToPath(new URL('../../prompt', import.meta.url)));
const parsed = parseEvaluationFile(
  readFileSync(new URL('../fixtures/crisis/crisis-labelled.jsonl', import.meta.url), 'utf8'),
);
const lines: LabelledLine[] = parsed.format === 'labelled' ? parsed.lines : [];
const outcomes = lines.map((line) => ({
  ...line,
  flagged: screenCrisisRisk({ message: line.text, recentUserMessages: [] }, crisis).level !== 'none',
}));

describe('the labelled crisis set', () => {
  it('is a labelled set of at least 400 lines, about 40% risk, every line with a kind', () => {
    expect(parsed.format).toBe('labelled');
    expect(lines.length).toBeGreaterThanOrEqual(400);
    const riskShare = lines.filter((line) => line.risk).length / lines.length;
    expect(riskShare).toBeGreaterThan(0.35);
    expect(riskShare).toBeLessThan(0.45);
    expect(lines.every((line) => line.kind !== undefined)).toBe(true);
  });

  it('has the hard negatives the issue names', () => {
    const negatives = new Set(lines.filter((line) => !line.risk).map((line) => line.text));
    for (const text of [
      '累死了',
      '笑死我了',
      '我不会自杀的',
      '热死了',
      '想死你了',
      '饿死了',
      '失恋了好难过',
      '考试没考好',
    ]) {
      expect(negatives).toContain(text);
    }
  });

  it('stays above its regression floor over the whole set: recall ≥ 0.95, false positives ≤ 10%', () => {
    const counts = tally(outcomes);
    expect(recall(counts)).toBeGreaterThanOrEqual(0.95);
    expect(falsePositiveRate(counts)).toBeLessThanOrEqual(0.1);
  });

  it('stays above the same floor on each half (odd line numbers tuned on, even ones held out)', () => {
    for (const parity of [1, 0]) {
      const counts = tally(outcomes.filter((line) => line.lineNumber % 2 === parity));
      expect(recall(counts)).toBeGreaterThanOrEqual(0.95);
      expect(falsePositiveRate(counts)).toBeLessThanOrEqual(0.1);
    }
  });

  it('holds a round-2 block of at least 150 lines, about half risk, written before the rules it measures', () => {
    const roundTwo = lines.filter((line) => line.round === 2);
    expect(roundTwo.length).toBeGreaterThanOrEqual(150);
    const riskShare = roundTwo.filter((line) => line.risk).length / roundTwo.length;
    expect(riskShare).toBeGreaterThan(0.4);
    expect(riskShare).toBeLessThan(0.6);
  });
});

/**
 * crisis-blind-round3.jsonl was written before the rules changed and its misses were never looked at.
 * It is a measure, not a target: only a loose false-positive floor is held here, its recall is reported
 * in docs/safety.md. Do not tune rules on it, and do not add it to the set above.
 */
describe('the blind round-3 file', () => {
  const blind = parseEvaluationFile(
    readFileSync(new URL('../fixtures/crisis/crisis-blind-round3.jsonl', import.meta.url), 'utf8'),
  );
  const blindLines: LabelledLine[] = blind.format === 'labelled' ? blind.lines : [];

  it('is labelled, round 3, and flags no more than 10% of its no-risk lines', () => {
    expect(blindLines.length).toBeGreaterThanOrEqual(40);
    expect(blindLines.every((line) => line.round === 3 && line.kind !== undefined)).toBe(true);
    const counts = tally(
      blindLines.map((line) => ({
        risk: line.risk,
        flagged: screenCrisisRisk({ message: line.text, recentUserMessages: [] }, crisis).level !== 'none',
      })),
    );
    expect(falsePositiveRate(counts)).toBeLessThanOrEqual(0.1);
  });
});

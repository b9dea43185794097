/** The tables `npm run eval:crisis` prints: per layer, then per channel or kind. No message text. */
import { LAYERS, type Layer, type LayerLevels } from './screen-layers.js';

export interface ScoredRow {
  risk: boolean;
  group: string | undefined;
  levels: LayerLevels;
}

const share = (part: number, whole: number) => (whole === 0 ? '  -  ' : (part / whole).toFixed(3));

function figures(rows: readonly ScoredRow[], layer: Layer) {
  const positives = rows.filter((row) => row.risk);
  const negatives = rows.filter((row) => !row.risk);
  const caught = positives.filter((row) => row.levels[layer] !== 'none').length;
  const falsePositives = negatives.filter((row) => row.levels[layer] !== 'none').length;
  const highOnNoRisk = negatives.filter((row) => row.levels[layer] === 'high').length;
  const highOnRisk = positives.filter((row) => row.levels[layer] === 'high').length;
  return { positives, negatives, caught, falsePositives, highOnNoRisk, highOnRisk };
}

export function layerTable(rows: readonly ScoredRow[]): string[] {
  const lines = [
    '  layer                 recall              FPR                 high on no-risk   high on risk',
  ];
  for (const layer of LAYERS) {
    const { positives, negatives, caught, falsePositives, highOnNoRisk, highOnRisk } = figures(rows, layer);
    lines.push(
      `  ${layer.padEnd(20)}  ${share(caught, positives.length)} (${caught}/${positives.length})`.padEnd(44) +
        `${share(falsePositives, negatives.length)} (${falsePositives}/${negatives.length})`.padEnd(20) +
        `${share(highOnNoRisk, negatives.length)} (${highOnNoRisk})`.padEnd(18) +
        `${share(highOnRisk, positives.length)} (${highOnRisk})`,
    );
  }
  return lines;
}

/** One row per group (channel or kind): recall / false-positive rate of each layer. */
export function groupTable(rows: readonly ScoredRow[], title: string): string[] {
  const groups = [...new Set(rows.flatMap((row) => (row.group === undefined ? [] : [row.group])))];
  if (groups.length === 0) return [];
  const layers = LAYERS.filter((layer) => layer !== 'combined_obfuscated');
  const lines = [`  per ${title} (n, risk rows; recall/FPR for ${layers.join(', ')}):`];
  for (const group of groups) {
    const ofGroup = rows.filter((row) => row.group === group);
    const cells = layers.map((layer) => {
      const { positives, negatives, caught, falsePositives } = figures(ofGroup, layer);
      return `${share(caught, positives.length)}/${share(falsePositives, negatives.length)}`;
    });
    const risk = ofGroup.filter((row) => row.risk).length;
    lines.push(
      `    ${group.padEnd(18)} n=${String(ofGroup.length).padEnd(5)} risk=${String(risk).padEnd(4)} ${cells.map((cell) => cell.padEnd(12)).join(' ')}`,
    );
  }
  return lines;
}

const URGENCY_BANDS = [
  [0, 0],
  [1, 3],
  [4, 6],
  [7, 10],
] as const;

/** SOS-1K-style files have no no-risk class: the share flagged per urgency band, per layer. */
export function urgencyTable(rows: readonly { urgency: number; levels: LayerLevels }[]): string[] {
  const lines = [`  urgency  lines  share flagged by ${LAYERS.join(', ')} (≥1: the recall)`];
  const bands = [...URGENCY_BANDS, [1, 10] as const];
  for (const [low, high] of bands) {
    const band = rows.filter((row) => row.urgency >= low && row.urgency <= high);
    const cells = LAYERS.map((layer) =>
      share(band.filter((row) => row.levels[layer] !== 'none').length, band.length),
    );
    const name = low === high ? `${low}` : low === 1 && high === 10 ? '≥1' : `${low}–${high}`;
    lines.push(`    ${name.padEnd(6)} ${String(band.length).padStart(5)}  ${cells.join('  ')}`);
  }
  return lines;
}

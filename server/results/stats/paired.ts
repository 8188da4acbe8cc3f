import { wilsonInterval, type Proportion } from "./wilson";
import { cellIndex, crossedLayout, duplicateCell } from "./layout";
import { binomialHalfCdf, chiSquareSurvival } from "./math";
import {
  assertBinary,
  assertCategories,
  assertLevel,
  DEFAULT_CATEGORIES,
  type BinaryCell,
  type RatingCell,
} from "./types";

interface Keyed {
  reader: string;
  caseId: string;
}

/**
 * Values of several sources lined up by (reader, case): `rows` holds, for each cell rated in
 * every source (reader-then-case order), the k values side by side. Cells rated in only some
 * sources are counted in `unpaired`, not used.
 */
function alignCells<T extends Keyed>(
  samples: readonly (readonly T[])[],
  valueOf: (cell: T) => number,
): { rows: Float64Array; blocks: number; unpaired: number[] } {
  const layout = crossedLayout(...samples);
  const size = layout.readers.length * layout.cases.length;
  const k = samples.length;
  const values = new Float64Array(size * k).fill(NaN);
  const present = new Uint16Array(size);
  samples.forEach((cells, s) => {
    for (const cell of cells) {
      const at = cellIndex(layout, cell);
      if (!Number.isNaN(values[at * k + s])) throw duplicateCell(cell);
      values[at * k + s] = valueOf(cell);
      present[at]!++;
    }
  });
  let blocks = 0;
  const unpaired = new Array<number>(k).fill(0);
  for (let i = 0; i < size; i++) {
    const n = present[i] as number;
    if (n === k) {
      if (blocks !== i) values.copyWithin(blocks * k, i * k, (i + 1) * k);
      blocks++;
    } else if (n > 0) {
      for (let s = 0; s < k; s++) if (!Number.isNaN(values[i * k + s])) unpaired[s]!++;
    }
  }
  return { rows: values.subarray(0, blocks * k), blocks, unpaired };
}

function binaryValue(cell: BinaryCell): number {
  assertBinary(cell.value);
  return cell.value;
}

/**
 * Exact McNemar test of x against y on (reader, case) cells rated for both.
 * - pairs: cells rated for both; bothSuccess, neither: concordant cells;
 * - xOnly: x success and y failure (b); yOnly: x failure and y success (c);
 * - pValue: two-sided exact p, min(1, 2 P(X <= min(b, c))) with X ~ Binomial(b + c, 1/2); 1 with
 *   no discordant cell;
 * - unpairedX, unpairedY: cells rated for one source only, which the test cannot use.
 * The cells are treated as independent pairs, as in the published analysis; with several
 * readers per case they are not, so this p-value is for comparability, not inference.
 */
export interface McNemarResult {
  pairs: number;
  bothSuccess: number;
  xOnly: number;
  yOnly: number;
  neither: number;
  pValue: number;
  unpairedX: number;
  unpairedY: number;
}

export function mcnemarExact(x: readonly BinaryCell[], y: readonly BinaryCell[]): McNemarResult {
  const { rows, blocks, unpaired } = alignCells([x, y], binaryValue);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < blocks; i++) {
    counts[(rows[2 * i] as number) * 2 + (rows[2 * i + 1] as number)]!++;
  }
  const [neither, yOnly, xOnly, bothSuccess] = counts as [number, number, number, number];
  const discordant = xOnly + yOnly;
  return {
    pairs: blocks,
    bothSuccess,
    xOnly,
    yOnly,
    neither,
    pValue: Math.min(1, 2 * binomialHalfCdf(Math.min(xOnly, yOnly), discordant)),
    unpairedX: unpaired[0] ?? 0,
    unpairedY: unpaired[1] ?? 0,
  };
}

/**
 * Cochran's Q test that k >= 2 related binary samples share one success rate.
 * - blocks: (reader, case) cells rated in every sample; successes: per sample, within blocks;
 * - statistic: Q = (k-1) [k sum C_j^2 - N^2] / [k N - sum R_i^2] (C_j column totals, R_i block
 *   totals, N all successes); null when no block has mixed results, where Q is 0/0;
 * - df: k - 1; pValue: P(chi-square_df >= Q), null with the statistic;
 * - unpaired: per sample, cells outside every-sample blocks, which the test cannot use.
 * With k = 2, Q is McNemar's chi-square (b - c)^2 / (b + c) without continuity correction.
 * Blocks are treated as independent, as in the published analysis (see McNemarResult).
 */
export interface CochranQResult {
  blocks: number;
  k: number;
  successes: number[];
  statistic: number | null;
  df: number;
  pValue: number | null;
  unpaired: number[];
}

export function cochranQ(samples: readonly (readonly BinaryCell[])[]): CochranQResult {
  const k = samples.length;
  if (k < 2) throw new RangeError(`Cochran's Q needs at least 2 samples, got ${k}`);
  const { rows, blocks, unpaired } = alignCells(samples, binaryValue);
  const columns = new Array<number>(k).fill(0);
  let rowSquares = 0;
  let total = 0;
  for (let i = 0; i < blocks; i++) {
    let rowTotal = 0;
    for (let j = 0; j < k; j++) {
      const v = rows[i * k + j] as number;
      columns[j]! += v;
      rowTotal += v;
    }
    rowSquares += rowTotal * rowTotal;
    total += rowTotal;
  }
  const columnSquares = columns.reduce((a, c) => a + c * c, 0);
  const denominator = k * total - rowSquares;
  const statistic =
    denominator > 0 ? ((k - 1) * (k * columnSquares - total * total)) / denominator : null;
  return {
    blocks,
    k,
    successes: columns,
    statistic,
    df: k - 1,
    pValue: statistic === null ? null : chiSquareSurvival(statistic, k - 1),
    unpaired,
  };
}

/**
 * How often source x was rated at least as well as source y by the same reader on the same
 * case (a lower level is better).
 * - pairs: cells rated for both; better, ties, worse: x's level below, equal to, above y's;
 * - atLeastAsGood: (better + ties) / pairs with a Wilson 95% interval (cells as independent);
 * - unpairedX, unpairedY: cells rated for one source only.
 */
export interface AtLeastAsGoodResult {
  pairs: number;
  better: number;
  ties: number;
  worse: number;
  atLeastAsGood: Proportion;
  unpairedX: number;
  unpairedY: number;
}

export function atLeastAsGood(
  x: readonly RatingCell[],
  y: readonly RatingCell[],
  categories: number = DEFAULT_CATEGORIES,
): AtLeastAsGoodResult {
  assertCategories(categories);
  const { rows, blocks, unpaired } = alignCells([x, y], (cell) => {
    assertLevel(cell.level, categories);
    return cell.level;
  });
  let better = 0;
  let ties = 0;
  let worse = 0;
  for (let i = 0; i < blocks; i++) {
    const a = rows[2 * i] as number;
    const b = rows[2 * i + 1] as number;
    if (a < b) better++;
    else if (a === b) ties++;
    else worse++;
  }
  return {
    pairs: blocks,
    better,
    ties,
    worse,
    atLeastAsGood: wilsonInterval(better + ties, blocks),
    unpairedX: unpaired[0] ?? 0,
    unpairedY: unpaired[1] ?? 0,
  };
}

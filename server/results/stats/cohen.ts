import { createRng, deriveSeed } from "../../lib/rng";
import type { AgreementOptions } from "./agreement";
import { cellIndex, crossedLayout, duplicateCell } from "./layout";
import { noBootstrap, summarizeReplicates } from "./math";
import { multinomialDraw } from "./sampling";
import {
  assertCategories,
  assertLevel,
  assertReplicates,
  DEFAULT_CATEGORIES,
  DEFAULT_REPLICATES,
  type BootstrapEstimate,
  type RatingCell,
} from "./types";

/**
 * Cohen's kappa of two raters from their K x K table (rows: first rater's level, columns: the
 * second's), as 1 - sum w_cd o_cd / sum w_cd e_cd with e the table expected from the margins and
 * disagreement weights w: unweighted [c != d], linear |c - d|, quadratic (c - d)^2 (Cohen 1960,
 * 1968). Each is null when no disagreement is expected by chance (both raters used the same
 * single level throughout) or the table is empty.
 * - n: items in the table; observedAgreement: share on the diagonal.
 */
export interface CohenKappa {
  n: number;
  observedAgreement: number | null;
  unweighted: number | null;
  linear: number | null;
  quadratic: number | null;
}

/**
 * Writes [observed agreement, unweighted, linear, quadratic] into `out`, NaN where undefined;
 * `rows` and `cols` are scratch of length k. Returns the table total. Kept allocation-free
 * because the bootstrap calls it once per pair and replicate.
 */
function kappasInto(
  table: ArrayLike<number>,
  k: number,
  rows: Float64Array,
  cols: Float64Array,
  out: Float64Array,
): number {
  rows.fill(0);
  cols.fill(0);
  let n = 0;
  let diagonal = 0;
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) {
      const v = table[c * k + d] as number;
      rows[c] = (rows[c] as number) + v;
      cols[d] = (cols[d] as number) + v;
      n += v;
      if (c === d) diagonal += v;
    }
  }
  if (n === 0) {
    out.fill(NaN);
    return 0;
  }
  let oU = 0;
  let eU = 0;
  let oL = 0;
  let eL = 0;
  let oQ = 0;
  let eQ = 0;
  for (let c = 0; c < k; c++) {
    const row = rows[c] as number;
    for (let d = 0; d < k; d++) {
      if (c === d) continue;
      const distance = c > d ? c - d : d - c;
      const o = table[c * k + d] as number;
      const e = (row * (cols[d] as number)) / n;
      oU += o;
      eU += e;
      oL += distance * o;
      eL += distance * e;
      oQ += distance * distance * o;
      eQ += distance * distance * e;
    }
  }
  out[0] = diagonal / n;
  out[1] = eU > 0 ? 1 - oU / eU : NaN;
  out[2] = eL > 0 ? 1 - oL / eL : NaN;
  out[3] = eQ > 0 ? 1 - oQ / eQ : NaN;
  return n;
}

const orNull = (v: number | undefined): number | null =>
  v === undefined || Number.isNaN(v) ? null : v;

export function cohenKappaFromTable(table: ArrayLike<number>, categories: number): CohenKappa {
  assertCategories(categories);
  const k = categories;
  if (table.length !== k * k) {
    throw new RangeError(`A ${k}-level table has ${k * k} cells, got ${table.length}`);
  }
  const out = new Float64Array(4);
  const n = kappasInto(table, k, new Float64Array(k), new Float64Array(k), out);
  return {
    n,
    observedAgreement: orNull(out[0]),
    unweighted: orNull(out[1]),
    linear: orNull(out[2]),
    quadratic: orNull(out[3]),
  };
}

/**
 * One pair of readers, over the items both rated: percent agreement and Cohen's kappa
 * unweighted and linear/quadratic weighted, each with a 95% percentile interval from resampling
 * all items with replacement. `items` is the number of items both rated.
 *
 * A pair's statistics depend only on how many items fall in each cell of its table (plus the
 * cell "not rated by both"), so a resample of n items is drawn directly as a multinomial count
 * of those cells: the same distribution as drawing n items and tallying them, at a cost that
 * does not grow with n. Each pair has its own random stream, derived from the seed and the two
 * reader ids, so a pair's interval does not change when other readers are added; intervals of
 * different pairs are therefore independent rather than from shared resamples.
 */
export interface ReaderPairAgreement {
  readerA: string;
  readerB: string;
  items: number;
  rawAgreement: BootstrapEstimate;
  unweighted: BootstrapEstimate;
  linear: BootstrapEstimate;
  quadratic: BootstrapEstimate;
}

const MEASURES = ["observedAgreement", "unweighted", "linear", "quadratic"] as const;

/**
 * Cohen's kappas for every pair of readers (readers sorted, readerA < readerB). The bootstrap
 * costs about a microsecond per pair and replicate whatever the number of items, so with very
 * many readers pass fewer replicates here than elsewhere.
 */
export function pairwiseCohenKappa(
  cells: readonly RatingCell[],
  options: AgreementOptions,
): ReaderPairAgreement[] {
  const categories = options.categories ?? DEFAULT_CATEGORIES;
  assertCategories(categories);
  const replicates = options.replicates ?? DEFAULT_REPLICATES;
  assertReplicates(replicates);
  const layout = crossedLayout(cells);
  const nItems = layout.cases.length;
  const nRaters = layout.readers.length;
  const levels = new Int16Array(nRaters * nItems).fill(-1);
  for (const cell of cells) {
    assertLevel(cell.level, categories);
    const at = cellIndex(layout, cell);
    if (levels[at] !== -1) throw duplicateCell(cell);
    levels[at] = cell.level;
  }

  const k2 = categories * categories;
  const classes = new Float64Array(k2 + 1);
  const drawn = new Float64Array(k2 + 1);
  const rows = new Float64Array(categories);
  const cols = new Float64Array(categories);
  const kappas = new Float64Array(MEASURES.length);
  const values = MEASURES.map(() => new Float64Array(replicates));
  const results: ReaderPairAgreement[] = [];
  for (let a = 0; a < nRaters; a++) {
    for (let b = a + 1; b < nRaters; b++) {
      classes.fill(0);
      for (let i = 0; i < nItems; i++) {
        const la = levels[a * nItems + i] as number;
        const lb = levels[b * nItems + i] as number;
        classes[la < 0 || lb < 0 ? k2 : la * categories + lb]!++;
      }
      const point = cohenKappaFromTable(classes.subarray(0, k2), categories);
      const readerA = layout.readers[a] as string;
      const readerB = layout.readers[b] as string;
      const defined = MEASURES.map(() => 0);
      const bootstrap = replicates > 0 && point.n > 0;
      if (bootstrap) {
        const rng = createRng(deriveSeed(options.seed, `${readerA}\u0000${readerB}`));
        for (let r = 0; r < replicates; r++) {
          multinomialDraw(rng, nItems, classes, drawn);
          kappasInto(drawn, categories, rows, cols, kappas);
          for (let m = 0; m < MEASURES.length; m++) {
            const v = kappas[m] as number;
            if (!Number.isNaN(v)) (values[m] as Float64Array)[defined[m]!++] = v;
          }
        }
      }
      const interval = (m: number): BootstrapEstimate => {
        const estimate = point[MEASURES[m] as (typeof MEASURES)[number]];
        if (!bootstrap) return noBootstrap(estimate, replicates);
        return summarizeReplicates(
          estimate,
          values[m] as Float64Array,
          defined[m] as number,
          replicates,
        );
      };
      results.push({
        readerA,
        readerB,
        items: point.n,
        rawAgreement: interval(0),
        unweighted: interval(1),
        linear: interval(2),
        quadratic: interval(3),
      });
    }
  }
  return results;
}

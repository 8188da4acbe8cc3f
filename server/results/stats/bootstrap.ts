import { createRng, type Rng } from "../../lib/rng";
import { binaryMatrix, crossedLayout, type CrossedLayout } from "./layout";
import { noBootstrap, summarizeReplicates } from "./math";
import {
  assertReplicates,
  DEFAULT_REPLICATES,
  type BinaryCell,
  type BootstrapEstimate,
} from "./types";

/**
 * What a replicate resamples: "crossed" is Owen's pigeonhole bootstrap (readers and cases, each
 * with replacement, independently); "cases" keeps the readers fixed and "readers" the cases,
 * which shows how much of the uncertainty each factor carries. All three consume the same
 * random stream, so for one seed they differ only in which draws they apply.
 */
export type ResampleMode = "crossed" | "cases" | "readers";

export interface CrossedBootstrapOptions {
  seed: number;
  /** Default 2,000. 0 gives the estimate without an interval. */
  replicates?: number;
  /** Default "crossed". */
  resample?: ResampleMode;
}

/**
 * Success rate over (reader, case) cells with a bootstrap interval.
 * - estimate: successes / rated cells (null with no cells);
 * - lower, upper: 95% percentile interval of the replicate rates;
 * - se: standard deviation of the replicate rates;
 * - readers, cases: distinct readers and cases with at least one rating; cells: rated cells;
 *   successes: cells with value 1.
 *
 * A replicate's rate is the mean over every (reader, case) cell of the resample, counted with
 * the product of the reader's and the case's multiplicities; missing cells stay missing, so the
 * denominator is the number of rated cells in the resample. A replicate whose resample holds no
 * rated cell is undefined (see BootstrapEstimate).
 *
 * Owen (2007) shows that this bootstrap is mildly conservative for a crossed mean: it gets the
 * reader and case components of the variance about right but counts the cell-level
 * (reader-by-case and error) component more than once. With few readers the percentile
 * interval is also coarse, since there are only a few distinct reader resamples.
 */
export interface CrossedBootstrapResult extends BootstrapEstimate {
  readers: number;
  cases: number;
  cells: number;
  successes: number;
  resample: ResampleMode;
}

/**
 * The difference x - y of two sources' success rates, both computed on each replicate's one
 * resample of readers and cases, so the interval reflects the pairing. Each rate uses all of
 * its own rated cells; where a cell is rated for one source and not the other the rates are
 * over different cells (in a complete paired design they are over the same ones).
 */
export interface PairedCrossedBootstrapResult {
  x: CrossedBootstrapResult;
  y: CrossedBootstrapResult;
  difference: BootstrapEstimate;
}

/**
 * One source packed for fast replicates. Readers are split into groups of `bits` readers; for
 * each case and group a bitmask records which readers rated the case and which of those scored
 * 1. A replicate then needs, per drawn case and group, one lookup in a table of the summed
 * reader multiplicities of every mask, instead of a pass over the readers; building the tables
 * costs 2^bits additions per group and replicate.
 */
interface PackedSource {
  rated: Uint16Array;
  success: Uint16Array;
  complete: boolean;
  cells: number;
  successes: number;
  readers: number;
  cases: number;
}

interface Grouping {
  bits: number;
  groups: number;
}

/** The group width that minimises table building plus lookups per replicate. */
function readerGrouping(readers: number, cases: number): Grouping {
  let best: Grouping = { bits: 1, groups: Math.max(1, readers) };
  let bestCost = Infinity;
  for (let bits = 1; bits <= 12; bits++) {
    const groups = Math.max(1, Math.ceil(readers / bits));
    const cost = groups * ((1 << bits) + cases);
    if (cost < bestCost) {
      bestCost = cost;
      best = { bits, groups };
    }
    if (bits >= readers) break;
  }
  return best;
}

function packSource(
  cells: readonly BinaryCell[],
  layout: CrossedLayout,
  { bits, groups }: Grouping,
): PackedSource {
  const nr = layout.readers.length;
  const nc = layout.cases.length;
  const matrix = binaryMatrix(cells, layout);
  const rated = new Uint16Array(nc * groups);
  const success = new Uint16Array(nc * groups);
  const readerSeen = new Uint8Array(nr);
  const caseSeen = new Uint8Array(nc);
  let count = 0;
  let successes = 0;
  for (let r = 0; r < nr; r++) {
    const group = Math.floor(r / bits);
    const bit = 1 << (r % bits);
    for (let c = 0; c < nc; c++) {
      const v = matrix[r * nc + c] as number;
      if (v < 0) continue;
      count++;
      readerSeen[r] = 1;
      caseSeen[c] = 1;
      const at = c * groups + group;
      rated[at] = (rated[at] as number) | bit;
      if (v === 1) {
        successes++;
        success[at] = (success[at] as number) | bit;
      }
    }
  }
  return {
    rated,
    success,
    complete: count === nr * nc,
    cells: count,
    successes,
    readers: readerSeen.reduce((a, b) => a + b, 0),
    cases: caseSeen.reduce((a, b) => a + b, 0),
  };
}

/** Fills `table` (groups x 2^bits) with the summed reader weights of every bitmask. */
function fillMaskTables(table: Float64Array, weights: Float64Array, { bits, groups }: Grouping) {
  const size = 1 << bits;
  for (let g = 0; g < groups; g++) {
    const base = g * size;
    const w = g * bits;
    table[base] = 0;
    for (let mask = 1; mask < size; mask++) {
      const low = mask & -mask;
      const bit = 31 - Math.clz32(low);
      table[base + mask] = (table[base + (mask ^ low)] as number) + (weights[w + bit] as number);
    }
  }
}

/** Weighted success and rated-cell totals of one replicate, over the drawn cases. */
function replicateTotals(
  source: PackedSource,
  table: Float64Array,
  { bits, groups }: Grouping,
  draws: Int32Array,
  totalReaderWeight: number,
  out: Float64Array,
): void {
  const { rated, success, complete } = source;
  const size = 1 << bits;
  let num = 0;
  let den = 0;
  const n = draws.length;
  if (groups === 1) {
    for (let j = 0; j < n; j++) num += table[success[draws[j] as number] as number] as number;
    if (!complete) {
      for (let j = 0; j < n; j++) den += table[rated[draws[j] as number] as number] as number;
    }
  } else if (groups === 2) {
    for (let j = 0; j < n; j++) {
      const base = (draws[j] as number) * 2;
      num +=
        (table[success[base] as number] as number) +
        (table[size + (success[base + 1] as number)] as number);
    }
    if (!complete) {
      for (let j = 0; j < n; j++) {
        const base = (draws[j] as number) * 2;
        den +=
          (table[rated[base] as number] as number) +
          (table[size + (rated[base + 1] as number)] as number);
      }
    }
  } else {
    for (let j = 0; j < n; j++) {
      const base = (draws[j] as number) * groups;
      for (let g = 0; g < groups; g++) {
        num += table[g * size + (success[base + g] as number)] as number;
        if (!complete) den += table[g * size + (rated[base + g] as number)] as number;
      }
    }
  }
  out[0] = num;
  out[1] = complete ? totalReaderWeight * n : den;
}

/**
 * Runs the replicates for one or more sources on one layout, calling `record` with each
 * source's weighted (successes, rated cells) of the replicate. Per replicate the stream draws
 * the readers (Nr draws) and then the cases (Nc draws); the modes only choose which to apply.
 */
function runReplicates(
  sources: readonly PackedSource[],
  layout: CrossedLayout,
  grouping: Grouping,
  replicates: number,
  rng: Rng,
  mode: ResampleMode,
  record: (totals: readonly Float64Array[]) => void,
): void {
  const nr = layout.readers.length;
  const nc = layout.cases.length;
  const weights = new Float64Array(grouping.groups * grouping.bits);
  const table = new Float64Array(grouping.groups << grouping.bits);
  const draws = new Int32Array(nc);
  const totals = sources.map(() => new Float64Array(2));
  const next = rng.next;
  for (let b = 0; b < replicates; b++) {
    weights.fill(0);
    for (let i = 0; i < nr; i++) {
      const r = Math.floor(next() * nr);
      weights[r] = (weights[r] as number) + 1;
    }
    if (mode === "cases") weights.fill(1, 0, nr);
    for (let j = 0; j < nc; j++) {
      const c = Math.floor(next() * nc);
      draws[j] = mode === "readers" ? j : c;
    }
    fillMaskTables(table, weights, grouping);
    for (let s = 0; s < sources.length; s++) {
      replicateTotals(
        sources[s] as PackedSource,
        table,
        grouping,
        draws,
        nr,
        totals[s] as Float64Array,
      );
    }
    record(totals);
  }
}

function resultOf(
  source: PackedSource,
  interval: BootstrapEstimate,
  mode: ResampleMode,
): CrossedBootstrapResult {
  return {
    ...interval,
    readers: source.readers,
    cases: source.cases,
    cells: source.cells,
    successes: source.successes,
    resample: mode,
  };
}

function rateOf(source: PackedSource): number | null {
  return source.cells === 0 ? null : source.successes / source.cells;
}

function settings(options: CrossedBootstrapOptions): { replicates: number; mode: ResampleMode } {
  const replicates = options.replicates ?? DEFAULT_REPLICATES;
  assertReplicates(replicates);
  return { replicates, mode: options.resample ?? "crossed" };
}

/** Owen's (2007) crossed "pigeonhole" bootstrap of a success rate; see CrossedBootstrapResult. */
export function crossedBootstrap(
  cells: readonly BinaryCell[],
  options: CrossedBootstrapOptions,
): CrossedBootstrapResult {
  const { replicates, mode } = settings(options);
  const layout = crossedLayout(cells);
  const grouping = readerGrouping(layout.readers.length, layout.cases.length);
  const source = packSource(cells, layout, grouping);
  const estimate = rateOf(source);
  if (estimate === null || replicates === 0) {
    return resultOf(source, noBootstrap(estimate, replicates), mode);
  }
  const values = new Float64Array(replicates);
  let defined = 0;
  const rng = createRng(options.seed);
  runReplicates([source], layout, grouping, replicates, rng, mode, ([totals]) => {
    const den = totals?.[1] ?? 0;
    if (den > 0) values[defined++] = (totals?.[0] ?? 0) / den;
  });
  return resultOf(source, summarizeReplicates(estimate, values, defined, replicates), mode);
}

/** The paired crossed bootstrap of rate(x) - rate(y); see PairedCrossedBootstrapResult. */
export function pairedCrossedBootstrap(
  x: readonly BinaryCell[],
  y: readonly BinaryCell[],
  options: CrossedBootstrapOptions,
): PairedCrossedBootstrapResult {
  const { replicates, mode } = settings(options);
  const layout = crossedLayout(x, y);
  const grouping = readerGrouping(layout.readers.length, layout.cases.length);
  const sx = packSource(x, layout, grouping);
  const sy = packSource(y, layout, grouping);
  const ex = rateOf(sx);
  const ey = rateOf(sy);
  const ed = ex === null || ey === null ? null : ex - ey;
  if (replicates === 0 || (ex === null && ey === null)) {
    return {
      x: resultOf(sx, noBootstrap(ex, replicates), mode),
      y: resultOf(sy, noBootstrap(ey, replicates), mode),
      difference: noBootstrap(ed, replicates),
    };
  }
  const vx = new Float64Array(replicates);
  const vy = new Float64Array(replicates);
  const vd = new Float64Array(replicates);
  let nx = 0;
  let ny = 0;
  let nd = 0;
  const rng = createRng(options.seed);
  runReplicates([sx, sy], layout, grouping, replicates, rng, mode, (totals) => {
    const [tx, ty] = totals;
    const dx = tx?.[1] ?? 0;
    const dy = ty?.[1] ?? 0;
    const rx = dx > 0 ? (tx?.[0] ?? 0) / dx : null;
    const ry = dy > 0 ? (ty?.[0] ?? 0) / dy : null;
    if (rx !== null) vx[nx++] = rx;
    if (ry !== null) vy[ny++] = ry;
    if (rx !== null && ry !== null) vd[nd++] = rx - ry;
  });
  return {
    x: resultOf(sx, summarizeReplicates(ex, vx, nx, replicates), mode),
    y: resultOf(sy, summarizeReplicates(ey, vy, ny, replicates), mode),
    difference: summarizeReplicates(ed, vd, nd, replicates),
  };
}

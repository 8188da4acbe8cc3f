import { Z_95 } from "./wilson";
import { binaryMatrix, crossedLayout } from "./layout";
import type { BinaryCell, IntervalEstimate } from "./types";

/**
 * U-statistic moments of the per-cell score s_rc (Gallas 2007), each the mean of s_rc * s_r'c'
 * over the ordered pairs of rated cells of one kind, and how many such pairs there were:
 * - m1: same cell (the mean of s_rc^2);
 * - m2: same reader, different cases;
 * - m3: different readers, same case;
 * - m4: different readers, different cases.
 * A moment is null when the data hold no pair of its kind.
 */
export interface MrmcMoments {
  m1: number | null;
  m2: number | null;
  m3: number | null;
  m4: number | null;
  pairs: { m1: number; m2: number; m3: number; m4: number };
}

/**
 * The reader-and-case averaged score with its multi-reader multi-case variance.
 * - estimate: mean score over rated cells (a success rate, or a difference of rates);
 * - variance: unbiased U-statistic estimate of the variance of `estimate` over the population
 *   of readers and cases, as in FDA's iMRMC for a binary score; it can come out negative in
 *   small studies, in which case se and the interval are null and `note` says so;
 * - se: sqrt(variance); lower, upper: estimate -/+ 1.96 se, clipped to the score's range;
 * - readers, cases: with at least one rated cell; cells: rated cells;
 * - note: why variance is null, or null when it is not.
 *
 * With every cell rated, variance = [M1 + (Nc-1) M2 + (Nr-1) M3 + (Nr-1)(Nc-1) M4] / (Nr Nc) - M4
 * (Gallas 2007). With missing cells each moment uses only the pairs of rated cells of its kind,
 * and the coefficients become the number of such pairs in the design:
 * variance = [A1 M1 + A2 M2 + A3 M3 + A4 M4] / P^2 - M4, with P the rated cells and A_k the pair
 * counts (A1 = P, A1 + ... + A4 = P^2); this is the exact variance of the mean over the rated
 * cells when which cells are missing does not depend on the scores, and it is the published
 * formula when none are missing.
 */
export interface MrmcResult extends IntervalEstimate {
  variance: number | null;
  se: number | null;
  moments: MrmcMoments;
  readers: number;
  cases: number;
  cells: number;
  note: string | null;
}

/**
 * Paired difference x - y: the MRMC statistics of d_rc = s_rc(x) - s_rc(y) over the cells rated
 * for both sources, plus each source's rate on those cells.
 */
export interface MrmcPairedResult extends MrmcResult {
  x: number | null;
  y: number | null;
}

/** Rounding in M_k - M4 can leave -1e-17 where the true value is 0 (every score equal). */
const NEGATIVE_ZERO_TOLERANCE = 1e-14;

function uStatistics(
  values: Float64Array,
  rated: Uint8Array,
  nr: number,
  nc: number,
  range: [number, number],
): MrmcResult {
  const rowSum = new Float64Array(nr);
  const rowCount = new Float64Array(nr);
  const colSum = new Float64Array(nc);
  const colCount = new Float64Array(nc);
  let total = 0;
  let squares = 0;
  let cells = 0;
  for (let r = 0; r < nr; r++) {
    for (let c = 0; c < nc; c++) {
      const at = r * nc + c;
      if (rated[at] !== 1) continue;
      const s = values[at] as number;
      rowSum[r] = (rowSum[r] as number) + s;
      rowCount[r] = (rowCount[r] as number) + 1;
      colSum[c] = (colSum[c] as number) + s;
      colCount[c] = (colCount[c] as number) + 1;
      total += s;
      squares += s * s;
      cells++;
    }
  }
  let rowSq = 0;
  let rowCountSq = 0;
  let readers = 0;
  for (let r = 0; r < nr; r++) {
    rowSq += (rowSum[r] as number) ** 2;
    rowCountSq += (rowCount[r] as number) ** 2;
    if ((rowCount[r] as number) > 0) readers++;
  }
  let colSq = 0;
  let colCountSq = 0;
  let cases = 0;
  for (let c = 0; c < nc; c++) {
    colSq += (colSum[c] as number) ** 2;
    colCountSq += (colCount[c] as number) ** 2;
    if ((colCount[c] as number) > 0) cases++;
  }

  const pairs = {
    m1: cells,
    m2: rowCountSq - cells,
    m3: colCountSq - cells,
    m4: cells * cells - rowCountSq - colCountSq + cells,
  };
  const moment = (sum: number, n: number) => (n > 0 ? sum / n : null);
  const moments: MrmcMoments = {
    m1: moment(squares, pairs.m1),
    m2: moment(rowSq - squares, pairs.m2),
    m3: moment(colSq - squares, pairs.m3),
    m4: moment(total * total - rowSq - colSq + squares, pairs.m4),
    pairs,
  };
  const estimate = cells > 0 ? total / cells : null;
  const base = { estimate, moments, readers, cases, cells };
  const none = { lower: null, upper: null, variance: null, se: null };

  if (estimate === null) return { ...base, ...none, note: "No rated cells." };
  const { m1, m2, m3, m4 } = moments;
  if (m4 === null || m1 === null) {
    let why = "no two ratings come from different readers and different cases";
    if (readers === 1) {
      why = "only one reader rated, so reader-to-reader variability (moments M3, M4) is unknown";
    } else if (cases === 1) {
      why = "only one case was rated, so case-to-case variability (moments M2, M4) is unknown";
    }
    return { ...base, ...none, note: `No MRMC variance: ${why}.` };
  }
  let variance =
    (pairs.m1 * (m1 - m4) +
      (m2 === null ? 0 : pairs.m2 * (m2 - m4)) +
      (m3 === null ? 0 : pairs.m3 * (m3 - m4))) /
    (cells * cells);
  if (variance < 0 && variance > -NEGATIVE_ZERO_TOLERANCE) variance = 0;
  if (variance < 0) {
    return {
      ...base,
      ...none,
      variance,
      note: "The unbiased variance estimate is negative, as can happen with few readers or cases; no interval is given.",
    };
  }
  const se = Math.sqrt(variance);
  return {
    ...base,
    variance,
    se,
    lower: Math.max(range[0], estimate - Z_95 * se),
    upper: Math.min(range[1], estimate + Z_95 * se),
    note: null,
  };
}

/** Gallas (2007) MRMC variance of a binary success rate; see MrmcResult. */
export function mrmcBinaryVariance(cells: readonly BinaryCell[]): MrmcResult {
  const layout = crossedLayout(cells);
  const matrix = binaryMatrix(cells, layout);
  const values = new Float64Array(matrix.length);
  const rated = new Uint8Array(matrix.length);
  for (let i = 0; i < matrix.length; i++) {
    const v = matrix[i] as number;
    if (v >= 0) {
      values[i] = v;
      rated[i] = 1;
    }
  }
  return uStatistics(values, rated, layout.readers.length, layout.cases.length, [0, 1]);
}

/**
 * MRMC variance of the paired difference rate(x) - rate(y); see MrmcPairedResult.
 *
 * The moments are those of d_rc = s_rc(x) - s_rc(y). Because the variance is linear in the
 * moments, this equals Gallas et al.'s (2009) Var(x) + Var(y) - 2 Cov(x, y) with cross-moments
 * whenever both sources are rated on the same cells; it is the straightforward version of that
 * estimator, and with cells rated for only one source it differs from Gallas's, which would use
 * those cells in Var(x) or Var(y). Here such cells are left out.
 */
export function mrmcPairedDifference(
  x: readonly BinaryCell[],
  y: readonly BinaryCell[],
): MrmcPairedResult {
  const layout = crossedLayout(x, y);
  const mx = binaryMatrix(x, layout);
  const my = binaryMatrix(y, layout);
  const values = new Float64Array(mx.length);
  const rated = new Uint8Array(mx.length);
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < mx.length; i++) {
    const a = mx[i] as number;
    const b = my[i] as number;
    if (a < 0 || b < 0) continue;
    values[i] = a - b;
    rated[i] = 1;
    sx += a;
    sy += b;
    n++;
  }
  const result = uStatistics(values, rated, layout.readers.length, layout.cases.length, [-1, 1]);
  return { ...result, x: n > 0 ? sx / n : null, y: n > 0 ? sy / n : null };
}

/**
 * One reader's rating of one case (or of any rated object, such as one report) on an ordinal
 * scale. `level` is the index of the scale step, 0 being the best: on the default four-level
 * scale 0 = A (acceptable as written), 1 = B, 2 = C, 3 = D (unacceptable).
 */
export interface RatingCell {
  reader: string;
  caseId: string;
  level: number;
}

/** A (reader, case) cell reduced to success (1) or failure (0) under some success set. */
export interface BinaryCell {
  reader: string;
  caseId: string;
  value: number;
}

/** The levels that count as success, e.g. [0, 1] for A or B. */
export type SuccessSet = readonly number[] | ReadonlySet<number>;

/** Number of levels on the default scale (A-D). */
export const DEFAULT_CATEGORIES = 4;
/** Autonomous-reporting success on the default scale: A or B. */
export const STANDARD_SUCCESS: readonly number[] = [0, 1];
/** The stringent criterion on the default scale: A only. */
export const STRINGENT_SUCCESS: readonly number[] = [0];

/** A point estimate with a two-sided 95% interval; all null where the statistic is undefined. */
export interface IntervalEstimate {
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

/**
 * A statistic with a 95% percentile bootstrap interval. `se` is the standard deviation of the
 * replicates. `replicates` counts the replicates in which the statistic was defined; those in
 * which it was not (say, a resample in which every rating is A makes kappa 0/0) are counted in
 * `undefinedReplicates` and left out of the interval, which is then conditional on the
 * statistic being defined.
 */
export interface BootstrapEstimate extends IntervalEstimate {
  se: number | null;
  replicates: number;
  undefinedReplicates: number;
}

export const DEFAULT_REPLICATES = 2000;

/** Throws on a scale with fewer than two levels: a caller's mistake, not a data condition. */
export function assertCategories(categories: number): void {
  if (!Number.isInteger(categories) || categories < 2 || categories > 255) {
    throw new RangeError(`A scale needs 2 to 255 levels, got ${categories}`);
  }
}

/** Throws on a level outside 0..categories-1, which means the data and the scale disagree. */
export function assertLevel(level: number, categories: number): void {
  if (!Number.isInteger(level) || level < 0 || level >= categories) {
    throw new RangeError(`Level ${level} is outside the scale 0..${categories - 1}`);
  }
}

export function assertBinary(value: number): void {
  if (value !== 0 && value !== 1) throw new RangeError(`Binary value must be 0 or 1, got ${value}`);
}

export function assertReplicates(replicates: number): void {
  if (!Number.isInteger(replicates) || replicates < 0) {
    throw new RangeError(`Replicates must be a non-negative integer, got ${replicates}`);
  }
}

/**
 * Reduces ordinal ratings to success/failure. A success level outside the scale throws, since
 * it would silently count nothing.
 */
export function binarize(
  cells: readonly RatingCell[],
  success: SuccessSet,
  categories: number = DEFAULT_CATEGORIES,
): BinaryCell[] {
  assertCategories(categories);
  const isSuccess = new Uint8Array(categories);
  for (const level of success) {
    assertLevel(level, categories);
    isSuccess[level] = 1;
  }
  return cells.map((cell) => {
    assertLevel(cell.level, categories);
    return { reader: cell.reader, caseId: cell.caseId, value: isSuccess[cell.level] ?? 0 };
  });
}

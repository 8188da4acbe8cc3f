import { wilsonInterval, type Proportion } from "./wilson";
import {
  assertBinary,
  assertCategories,
  assertLevel,
  DEFAULT_CATEGORIES,
  type BinaryCell,
  type RatingCell,
} from "./types";

/**
 * A binary cell with the groups it belongs to: one label (normal/abnormal, site, reader) or
 * several (finding tags, where a case can carry more than one).
 */
export interface GroupedCell {
  value: number;
  groups: string | readonly string[];
}

/**
 * Success rate within one group: successes / n with a Wilson 95% interval (the cells treated
 * as independent). A cell counts once in each of its groups, so with multi-label groups the
 * groups overlap and their n need not add up to the total.
 */
export interface GroupRate extends Proportion {
  group: string;
}

/** Rates per group, sorted by group label; a cell with no group counts in none. */
export function groupRates(cells: readonly GroupedCell[]): GroupRate[] {
  const tally = new Map<string, { successes: number; n: number }>();
  for (const cell of cells) {
    assertBinary(cell.value);
    const labels = typeof cell.groups === "string" ? [cell.groups] : new Set(cell.groups);
    for (const group of labels) {
      const t = tally.get(group) ?? { successes: 0, n: 0 };
      t.successes += cell.value;
      t.n += 1;
      tally.set(group, t);
    }
  }
  return [...tally.keys()].sort().map((group) => {
    const t = tally.get(group) as { successes: number; n: number };
    return { group, ...wilsonInterval(t.successes, t.n) };
  });
}

/**
 * Per-reader success rates, sorted by reader. A reader who rated nothing has no cells and so
 * no row; pass `readers` to get a row (n = 0, estimate null) for each named reader regardless.
 */
export function readerRates(
  cells: readonly BinaryCell[],
  readers: readonly string[] = [],
): GroupRate[] {
  const rates = groupRates(cells.map((c) => ({ value: c.value, groups: c.reader })));
  const known = new Set(rates.map((r) => r.group));
  const empty = [...new Set(readers)]
    .filter((r) => !known.has(r))
    .map((group) => ({ group, ...wilsonInterval(0, 0) }));
  return [...rates, ...empty].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

/**
 * How the ratings spread over the scale: counts[level], and shares[level] = counts / n (null
 * with no ratings).
 */
export interface LevelDistribution {
  n: number;
  counts: number[];
  shares: (number | null)[];
}

export function levelDistribution(
  cells: readonly RatingCell[],
  categories: number = DEFAULT_CATEGORIES,
): LevelDistribution {
  assertCategories(categories);
  const counts = new Array<number>(categories).fill(0);
  for (const cell of cells) {
    assertLevel(cell.level, categories);
    counts[cell.level]!++;
  }
  const n = cells.length;
  return { n, counts, shares: counts.map((c) => (n === 0 ? null : c / n)) };
}

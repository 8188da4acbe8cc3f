import { Z_95 } from "../results/stats/wilson";
import type { AuditPolicy } from "./schema";

export type Period = "week" | "month";

/** One rating of one report of an audited case. */
export interface AuditRating {
  caseId: string;
  receivedAt: Date;
  /** The AI report's model version; null for the radiologist's report. */
  modelVersion: string | null;
  success: boolean;
  activeMs: number | null;
}

export interface RateEstimate {
  ratings: number;
  cases: number;
  rate: number | null;
  lower: number | null;
  upper: number | null;
  /** Standard error, allowing for several reviewers rating one case. */
  se: number | null;
}

export interface PeriodTrend {
  start: Date;
  end: Date;
  ai: RateEstimate;
  radiologist: RateEstimate;
  versions: string[];
  /** A version seen here for the first time (the chart marks it). */
  newVersions: string[];
  medianActiveMs: number | null;
  /** Enough ratings to be judged by the alert rule. */
  judged: boolean;
  /** p-chart limits for this period (null before a centre line exists). */
  lowerLimit: number | null;
  upperLimit: number | null;
  breached: boolean;
}

export interface VersionComparison {
  before: string;
  after: string;
  beforeRate: RateEstimate;
  afterRate: RateEstimate;
  /** after - before, with a 95% interval. */
  difference: number | null;
  lower: number | null;
  upper: number | null;
}

export interface AuditTrend {
  period: Period;
  periods: PeriodTrend[];
  /** p-chart centre line (the baseline periods' pooled rate), when the rule has one. */
  centre: number | null;
  /** Each model version's rate over the whole audit, in the order the versions appeared. */
  byVersion: { version: string; rate: RateEstimate }[];
  comparison: VersionComparison | null;
}

/** Start of the UTC week (Monday) or month holding `date`. */
export function periodStart(date: Date, period: Period): Date {
  if (period === "month") return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
  return new Date(day - sinceMonday * 86_400_000);
}

export function periodEnd(start: Date, period: Period): Date {
  if (period === "month")
    return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return new Date(start.getTime() + 7 * 86_400_000);
}

/** Wilson's interval around a rate seen over an effective number of independent ratings. */
function wilson(p: number, n: number, z = Z_95): { lower: number; upper: number } {
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/**
 * A success rate over ratings clustered by case. The standard error is the ratio
 * estimator's, summing over cases (so two reviewers agreeing on one case are not two
 * independent observations); the interval is Wilson's at the matching effective size.
 */
export function clusteredRate(ratings: readonly AuditRating[]): RateEstimate {
  const byCase = new Map<string, { n: number; y: number }>();
  for (const r of ratings) {
    const c = byCase.get(r.caseId) ?? { n: 0, y: 0 };
    c.n++;
    if (r.success) c.y++;
    byCase.set(r.caseId, c);
  }
  const n = ratings.length;
  const m = byCase.size;
  if (n === 0) return { ratings: 0, cases: 0, rate: null, lower: null, upper: null, se: null };
  const successes = ratings.filter((r) => r.success).length;
  const rate = successes / n;
  const binomialVar = (rate * (1 - rate)) / n;
  let variance = binomialVar;
  if (m > 1) {
    let sum = 0;
    for (const c of byCase.values()) sum += (c.y - rate * c.n) ** 2;
    variance = ((m / (m - 1)) * sum) / (n * n);
  }
  const effectiveN =
    variance > 0 && binomialVar > 0 ? Math.min(n, binomialVar * (n / variance)) : n;
  const { lower, upper } = wilson(rate, Math.max(effectiveN, 1));
  return { ratings: n, cases: m, rate, lower, upper, se: Math.sqrt(variance) };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Success rate per period and model version, judged by the audit's alert rule. */
export function computeTrend(ratings: readonly AuditRating[], policy: AuditPolicy): AuditTrend {
  const rule = policy.alert;
  const buckets = new Map<number, AuditRating[]>();
  for (const r of ratings) {
    const key = periodStart(r.receivedAt, rule.period).getTime();
    const list = buckets.get(key) ?? [];
    list.push(r);
    buckets.set(key, list);
  }
  const seen = new Set<string>();
  const periods: PeriodTrend[] = [...buckets.keys()]
    .sort((a, b) => a - b)
    .map((key) => {
      const list = buckets.get(key)!;
      const ai = list.filter((r) => r.modelVersion !== null);
      const versions = [...new Set(ai.map((r) => r.modelVersion!))].sort();
      // The versions the audit begins with are not a change.
      const newVersions = seen.size === 0 ? [] : versions.filter((v) => !seen.has(v));
      for (const v of versions) seen.add(v);
      const start = new Date(key);
      const aiRate = clusteredRate(ai);
      return {
        start,
        end: periodEnd(start, rule.period),
        ai: aiRate,
        radiologist: clusteredRate(list.filter((r) => r.modelVersion === null)),
        versions,
        newVersions,
        medianActiveMs: median(list.flatMap((r) => (r.activeMs === null ? [] : [r.activeMs]))),
        judged: aiRate.ratings >= rule.minRatings,
        lowerLimit: null,
        upperLimit: null,
        breached: false,
      };
    });

  let centre: number | null = null;
  if (rule.rule === "pchart") {
    const baseline = periods.filter((p) => p.judged).slice(0, rule.baselinePeriods);
    if (baseline.length === rule.baselinePeriods) {
      const pooled = clusteredRate(
        ratings.filter(
          (r) =>
            r.modelVersion !== null &&
            baseline.some((b) => r.receivedAt >= b.start && r.receivedAt < b.end),
        ),
      );
      centre = pooled.rate!;
      // Reviewers of one case agree more than strangers would: widen the binomial limits by
      // the design effect seen in the baseline.
      const binomialSe = Math.sqrt((centre * (1 - centre)) / pooled.ratings);
      const designEffect =
        binomialSe > 0 && pooled.se ? Math.max(1, (pooled.se / binomialSe) ** 2) : 1;
      const inBaseline = new Set(baseline.map((b) => b.start.getTime()));
      for (const p of periods) {
        if (p.ai.ratings === 0) continue;
        const half = rule.sigma * Math.sqrt((designEffect * centre * (1 - centre)) / p.ai.ratings);
        p.lowerLimit = Math.max(0, centre - half);
        p.upperLimit = Math.min(1, centre + half);
        p.breached = p.judged && !inBaseline.has(p.start.getTime()) && p.ai.rate! < p.lowerLimit;
      }
    }
  } else {
    for (const p of periods) p.breached = p.judged && p.ai.rate! < rule.threshold;
  }
  const versions: string[] = [];
  for (const p of periods) for (const v of p.versions) if (!versions.includes(v)) versions.push(v);
  return {
    period: rule.period,
    periods,
    centre,
    byVersion: versions.map((version) => ({
      version,
      rate: clusteredRate(ratings.filter((r) => r.modelVersion === version)),
    })),
    comparison: compareLastChange(ratings, periods),
  };
}

/** The latest version change: the new version's rate against the one it replaced. */
function compareLastChange(
  ratings: readonly AuditRating[],
  periods: readonly PeriodTrend[],
): VersionComparison | null {
  const order: string[] = [];
  for (const p of periods) for (const v of p.versions) if (!order.includes(v)) order.push(v);
  if (order.length < 2) return null;
  const after = order[order.length - 1]!;
  const before = order[order.length - 2]!;
  const beforeRate = clusteredRate(ratings.filter((r) => r.modelVersion === before));
  const afterRate = clusteredRate(ratings.filter((r) => r.modelVersion === after));
  if (beforeRate.rate === null || afterRate.rate === null) {
    return { before, after, beforeRate, afterRate, difference: null, lower: null, upper: null };
  }
  // Different versions rate different cases: the two estimates are independent.
  const difference = afterRate.rate - beforeRate.rate;
  const se = Math.sqrt((beforeRate.se ?? 0) ** 2 + (afterRate.se ?? 0) ** 2);
  return {
    before,
    after,
    beforeRate,
    afterRate,
    difference,
    lower: Math.max(-1, difference - Z_95 * se),
    upper: Math.min(1, difference + Z_95 * se),
  };
}

/** Runs of consecutive breached periods (among judged ones): one alert each. */
export function breaches(periods: readonly PeriodTrend[]): PeriodTrend[][] {
  const runs: PeriodTrend[][] = [];
  let current: PeriodTrend[] | null = null;
  for (const p of periods) {
    if (!p.judged) continue;
    if (p.breached) {
      if (!current) runs.push((current = []));
      current.push(p);
    } else {
      current = null;
    }
  }
  return runs;
}

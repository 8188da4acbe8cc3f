import type { BootstrapEstimate } from "./types";

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (Lanczos, g = 7), relative error about 1e-15. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (LANCZOS[i] as number) / (z + i);
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln C(n, k). */
export function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

const GAMMA_EPS = 1e-16;
const GAMMA_TINY = 1e-300;
const GAMMA_MAX_ITERATIONS = 100_000;

/**
 * Upper regularized incomplete gamma Q(a, x) = Γ(a, x) / Γ(a): the series below a + 1 and
 * Lentz's continued fraction above (Numerical Recipes 6.2), each where it converges fast.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`regularizedGammaQ(${a}, ${x})`);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let ap = a;
    let term = 1 / a;
    let sum = term;
    for (let n = 0; n < GAMMA_MAX_ITERATIONS; n++) {
      ap += 1;
      term *= x / ap;
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * GAMMA_EPS) break;
    }
    return Math.min(1, Math.max(0, 1 - sum * Math.exp(logPrefix)));
  }
  let b = x + 1 - a;
  let c = 1 / GAMMA_TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < GAMMA_MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < GAMMA_TINY) d = GAMMA_TINY;
    c = b + an / c;
    if (Math.abs(c) < GAMMA_TINY) c = GAMMA_TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < GAMMA_EPS) break;
  }
  return Math.min(1, Math.max(0, Math.exp(logPrefix) * h));
}

/** Lower regularized incomplete gamma P(a, x) = 1 - Q(a, x). */
export function regularizedGammaP(a: number, x: number): number {
  return 1 - regularizedGammaQ(a, x);
}

/** P(X >= x) for X ~ chi-square with df degrees of freedom. */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`chi-square needs df > 0, got ${df}`);
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

/**
 * P(X <= k) for X ~ Binomial(n, 1/2), summed downward from the largest term so that tiny tails
 * come out as small positive numbers (or 0 on underflow), not as 1 - (1 - tail).
 */
export function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (2 * k >= n) return 1 - binomialHalfCdf(n - k - 1, n);
  let term = Math.exp(logChoose(n, k) - n * Math.LN2);
  let sum = term;
  for (let i = k; i > 0 && term > 0; i--) {
    term *= i / (n - i + 1);
    sum += term;
  }
  return Math.min(1, sum);
}

/**
 * Rearranges values[0..count) so that values[k] is the k-th smallest, smaller ones before it
 * and larger ones after (Hoare's quickselect, median-of-three pivot): the two percentiles of a
 * bootstrap need two order statistics, not a full sort.
 */
function selectInPlace(values: Float64Array, count: number, k: number): number {
  let lo = 0;
  let hi = count - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const a = values[lo] as number;
    const b = values[mid] as number;
    const c = values[hi] as number;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k] as number;
}

/**
 * The p-quantile of values[0..count) by linear interpolation between order statistics (R's
 * type 7, NumPy's default). Reorders the values.
 */
export function quantileInPlace(values: Float64Array, count: number, p: number): number {
  const h = (count - 1) * p;
  const lo = Math.floor(h);
  const a = selectInPlace(values, count, lo);
  if (lo + 1 >= count || h === lo) return a;
  let next = Infinity;
  for (let i = lo + 1; i < count; i++) next = Math.min(next, values[i] as number);
  return a + (h - lo) * (next - a);
}

/**
 * Percentile interval and standard error of values[0..count) (reordered). With fewer than two
 * defined replicates there is no spread to speak of, so se is null.
 */
export function summarizeReplicates(
  estimate: number | null,
  values: Float64Array,
  count: number,
  requested: number,
): BootstrapEstimate {
  const base = { estimate, replicates: count, undefinedReplicates: requested - count };
  if (estimate === null || count === 0) return { ...base, lower: null, upper: null, se: null };
  let mean = 0;
  for (let i = 0; i < count; i++) mean += values[i] as number;
  mean /= count;
  let ss = 0;
  for (let i = 0; i < count; i++) ss += ((values[i] as number) - mean) ** 2;
  return {
    ...base,
    lower: quantileInPlace(values, count, 0.025),
    upper: quantileInPlace(values, count, 0.975),
    se: count > 1 ? Math.sqrt(ss / (count - 1)) : null,
  };
}

/** The estimate with no interval, for when no replicates were asked for or possible. */
export function noBootstrap(estimate: number | null, requested: number): BootstrapEstimate {
  return {
    estimate,
    lower: null,
    upper: null,
    se: null,
    replicates: 0,
    undefinedReplicates: requested,
  };
}

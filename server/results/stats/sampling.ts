import type { Rng } from "../../lib/rng";

/** Below this mode, inversion from 0 is fast and the rejection method's constants do not hold. */
const INVERSION_MAX_MODE = 11;

/** ln k! - [(k + 1/2) ln(k + 1) - (k + 1) + ln(2 pi) / 2], the Stirling remainder, k = 0..9. */
const STIRLING_REMAINDER = [
  0.08106146679532726, 0.04134069595540929, 0.02767792568499834, 0.02079067210376509,
  0.01664469118982119, 0.01387612882307075, 0.01189670994589177, 0.01041126526197209,
  0.009255462182712733, 0.008330563433362871,
];

function stirlingRemainder(k: number): number {
  if (k < 10) return STIRLING_REMAINDER[k] as number;
  const r = 1 / (k + 1);
  const r2 = r * r;
  return (1 / 12 - (1 / 360 - r2 / 1260) * r2) * r;
}

/**
 * An exact Binomial(n, p) draw. Small means use inversion from 0; larger ones Hoermann's BTRD
 * (transformed rejection with decomposition and squeeze; Hoermann 1993, "The generation of
 * binomial random variates", J. Stat. Comput. Simul. 46), whose expected cost does not grow
 * with n. Both are exact up to floating-point rounding.
 */
export function binomialDraw(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomialDraw(rng, n, 1 - p);
  const q = 1 - p;
  const mode = Math.floor((n + 1) * p);
  if (mode < INVERSION_MAX_MODE) {
    const odds = p / q;
    let u = rng.next();
    let f = Math.exp(n * Math.log1p(-p));
    for (let x = 0; x <= n; x++) {
      if (u < f) return x;
      u -= f;
      f *= ((n - x) / (x + 1)) * odds;
    }
    return mode;
  }
  const r = p / q;
  const nr = (n + 1) * r;
  const npq = n * p * q;
  const sqrtNpq = Math.sqrt(npq);
  const b = 1.15 + 2.53 * sqrtNpq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const alpha = (2.83 + 5.1 / b) * sqrtNpq;
  const vr = 0.92 - 4.2 / b;
  const urvr = 0.86 * vr;
  for (;;) {
    let v = rng.next();
    let u: number;
    if (v <= urvr) {
      u = v / vr - 0.43;
      return Math.floor(((2 * a) / (0.5 - Math.abs(u)) + b) * u + c);
    }
    if (v >= vr) {
      u = rng.next() - 0.5;
    } else {
      u = v / vr - 0.93;
      u = (u < 0 ? -0.5 : 0.5) - u;
      v = rng.next() * vr;
    }
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    v = (v * alpha) / (a / (us * us) + b);
    const km = Math.abs(k - mode);
    if (km <= 15) {
      let f = 1;
      if (mode < k) {
        for (let i = mode + 1; i <= k; i++) f *= nr / i - r;
      } else if (mode > k) {
        for (let i = k + 1; i <= mode; i++) v *= nr / i - r;
      }
      if (v <= f) return k;
      continue;
    }
    v = Math.log(v);
    const rho = (km / npq) * (((km / 3 + 0.625) * km + 1 / 6) / npq + 0.5);
    const t = (-km * km) / (2 * npq);
    if (v < t - rho) return k;
    if (v > t + rho) continue;
    const nm = n - mode + 1;
    const h =
      (mode + 0.5) * Math.log((mode + 1) / (r * nm)) +
      stirlingRemainder(mode) +
      stirlingRemainder(n - mode);
    const nk = n - k + 1;
    const bound =
      h +
      (n + 1) * Math.log(nm / nk) +
      (k + 0.5) * Math.log((nk * r) / (k + 1)) -
      stirlingRemainder(k) -
      stirlingRemainder(n - k);
    if (v <= bound) return k;
  }
}

/**
 * Fills `out` with one Multinomial(n, counts / sum(counts)) draw, by conditional binomials;
 * categories with a zero count get 0 and the largest category takes the remainder. This is the
 * distribution of the category counts in n draws with replacement from items whose categories
 * are tallied in `counts`, i.e. of one item-bootstrap resample of those counts.
 */
export function multinomialDraw(
  rng: Rng,
  n: number,
  counts: ArrayLike<number>,
  out: Float64Array,
): void {
  let largest = 0;
  let total = 0;
  for (let j = 0; j < counts.length; j++) {
    const c = counts[j] as number;
    total += c;
    if (c > (counts[largest] as number)) largest = j;
    out[j] = 0;
  }
  if (total <= 0) return;
  let remainingN = n;
  let remainingCount = total;
  for (let j = 0; j < counts.length && remainingN > 0; j++) {
    const c = counts[j] as number;
    if (j === largest || c === 0) continue;
    const x = binomialDraw(rng, remainingN, c / remainingCount);
    out[j] = x;
    remainingN -= x;
    remainingCount -= c;
  }
  out[largest] = remainingN;
}

/** Two-sided 95% normal quantile, qnorm(0.975). */
export const Z_95 = 1.959963984540054;

export interface Proportion {
  successes: number;
  n: number;
  /** successes / n; null when n is 0 (no ratings yet), never NaN. */
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927), which unlike the Wald
 * interval stays inside [0, 1] and behaves at 0 and n successes.
 */
export function wilsonInterval(successes: number, n: number, z: number = Z_95): Proportion {
  if (!Number.isInteger(successes) || !Number.isInteger(n) || successes < 0 || successes > n) {
    throw new RangeError(`Invalid proportion ${successes}/${n}`);
  }
  if (n === 0) return { successes, n, estimate: null, lower: null, upper: null };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const halfWidth = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return {
    successes,
    n,
    estimate: p,
    lower: Math.max(0, centre - halfWidth),
    upper: Math.min(1, centre + halfWidth),
  };
}

import { describe, expect, it } from "vitest";
import { createRng } from "../../lib/rng";
import { chiSquareSurvival, logChoose } from "./math";
import { binomialDraw, multinomialDraw } from "./sampling";

/**
 * Pearson goodness-of-fit of draws against the exact Binomial(n, p) probabilities, with the
 * tails pooled so every bin expects at least 5; the p-value of a correct sampler is uniform.
 */
function goodnessOfFit(n: number, p: number, draws: number, seed: number): number {
  const rng = createRng(seed);
  const observed = new Float64Array(n + 1);
  for (let i = 0; i < draws; i++) observed[binomialDraw(rng, n, p)]!++;
  const pmf = (k: number) => Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
  let statistic = 0;
  let bins = 0;
  let o = 0;
  let e = 0;
  let cdf = 0;
  for (let k = 0; k <= n; k++) {
    const f = pmf(k);
    cdf += f;
    o += observed[k] as number;
    e += draws * f;
    if (e >= 5 && draws * (1 - cdf) >= 5) {
      statistic += (o - e) ** 2 / e;
      bins++;
      o = 0;
      e = 0;
    }
  }
  statistic += (o - e) ** 2 / Math.max(e, 1e-300);
  bins++;
  return chiSquareSurvival(statistic, bins - 1);
}

describe("binomialDraw", () => {
  // Inversion below a mode of 11, Hoermann's BTRD above, the mirror image for p > 1/2.
  it.each([
    [20, 0.3],
    [5000, 0.002],
    [30, 0.4],
    [200, 0.5],
    [5000, 0.3],
    [1000, 0.9],
    [100_000, 0.05],
  ])("draws Binomial(%i, %f) with the exact distribution (chi-square fit)", (n, p) => {
    expect(goodnessOfFit(n, p, 200_000, 11)).toBeGreaterThan(0.001);
  });

  it("has the binomial mean and variance", () => {
    const rng = createRng(5);
    const n = 5000;
    const p = 0.27;
    let sum = 0;
    let squares = 0;
    const draws = 200_000;
    for (let i = 0; i < draws; i++) {
      const x = binomialDraw(rng, n, p);
      sum += x;
      squares += x * x;
    }
    const mean = sum / draws;
    const variance = squares / draws - mean * mean;
    expect(Math.abs(mean - n * p)).toBeLessThan(0.2); // se of the mean is ~0.07
    expect(variance / (n * p * (1 - p))).toBeCloseTo(1, 1);
  });

  it("returns the certain outcome at the edges", () => {
    const rng = createRng(1);
    expect(binomialDraw(rng, 0, 0.5)).toBe(0);
    expect(binomialDraw(rng, 10, 0)).toBe(0);
    expect(binomialDraw(rng, 10, 1)).toBe(10);
  });
});

describe("multinomialDraw", () => {
  it("keeps the total, leaves empty categories empty and has the right means", () => {
    const rng = createRng(9);
    const counts = [30, 0, 10, 60];
    const out = new Float64Array(4);
    const sums = new Float64Array(4);
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      multinomialDraw(rng, 100, counts, out);
      expect(out.reduce((a, b) => a + b, 0)).toBe(100);
      expect(out[1]).toBe(0);
      for (let j = 0; j < 4; j++) sums[j] = (sums[j] as number) + (out[j] as number);
    }
    expect((sums[0] as number) / draws).toBeCloseTo(30, 0);
    expect((sums[2] as number) / draws).toBeCloseTo(10, 0);
    expect((sums[3] as number) / draws).toBeCloseTo(60, 0);
  });

  it("draws nothing from nothing", () => {
    const out = Float64Array.from([1, 2]);
    multinomialDraw(createRng(1), 5, [0, 0], out);
    expect(Array.from(out)).toEqual([0, 0]);
  });
});

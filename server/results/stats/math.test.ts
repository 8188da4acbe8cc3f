import { describe, expect, it } from "vitest";
import { createRng } from "../../lib/rng";
import {
  binomialHalfCdf,
  chiSquareSurvival,
  logGamma,
  quantileInPlace,
  regularizedGammaP,
  regularizedGammaQ,
  summarizeReplicates,
} from "./math";

// Expected values in this file: SciPy 1.17 / NumPy 2.4 (python3 on PATH), the call beside each.

describe("logGamma", () => {
  it.each([
    // x, scipy.special.gammaln(x)
    [0.1, 2.252712651734206],
    [0.5, 0.5723649429247],
    [1, 0],
    [2.5, 0.2846828704729192],
    [10, 12.801827480081469],
    [100.5, 361.43554046777757],
    [1e5, 1051287.7089736569],
  ])("ln Γ(%f) = %f", (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, 10);
  });

  it("rejects x <= 0", () => {
    expect(() => logGamma(0)).toThrow(RangeError);
  });
});

describe("regularized incomplete gamma", () => {
  it.each([
    // a, x, scipy.special.gammaincc(a, x)
    [0.5, 0.1, 0.6547208460185768],
    [0.5, 3.8414588206941245, 0.005574596680784422],
    [1, 2, 0.1353352832366127],
    [5, 2, 0.9473469826562889],
    [5, 10, 0.029252688076961124],
    [50, 45, 0.7531979655998298],
    [100, 150, 5.924540335483916e-6],
    [0.5, 1e-10, 0.9999887162083294],
    [3, 0.5, 0.9856123220330293],
  ])("Q(%f, %f) = %f", (a, x, expected) => {
    const q = regularizedGammaQ(a, x);
    expect(Math.abs(q - expected)).toBeLessThan(1e-12 + 1e-9 * expected);
    expect(regularizedGammaP(a, x)).toBeCloseTo(1 - expected, 12);
  });

  it("handles the ends of the range", () => {
    expect(regularizedGammaQ(2, 0)).toBe(1);
    expect(regularizedGammaQ(2, Infinity)).toBe(0);
    expect(() => regularizedGammaQ(0, 1)).toThrow(RangeError);
    expect(() => regularizedGammaQ(1, -1)).toThrow(RangeError);
  });
});

describe("chiSquareSurvival", () => {
  it.each([
    // x, df, scipy.stats.chi2.sf(x, df)
    [3.8414588206941245, 1, 0.05],
    [17, 1, 3.737981840170153e-5],
    [289 / 65, 1, 0.034979944635443676],
    [10, 3, 0.01856613546304325],
    [0.5, 2, 0.7788007830714049],
    [60, 10, 3.6243009520614924e-9],
  ])("P(chi2 >= %f; df %i) = %f", (x, df, expected) => {
    expect(Math.abs(chiSquareSurvival(x, df) - expected)).toBeLessThan(1e-9 * expected + 1e-15);
  });

  it("is 1 at and below 0", () => {
    expect(chiSquareSurvival(0, 1)).toBe(1);
    expect(chiSquareSurvival(-1, 3)).toBe(1);
  });
});

describe("binomialHalfCdf", () => {
  it.each([
    // k, n, scipy.stats.binom.cdf(k, n, 0.5)
    [0, 17, 7.62939453125e-6],
    [5, 20, 0.020694732666015625],
    [10, 20, 0.5880985260009766],
    [3, 15, 0.017578125],
    [1200, 2500, 0.023840932610521722],
    [1000, 2500, 6.662935824188383e-24],
  ])("P(X <= %i), X ~ Bin(%i, 1/2)", (k, n, expected) => {
    expect(Math.abs(binomialHalfCdf(k, n) - expected)).toBeLessThan(1e-10 * expected);
  });

  it("underflows to 0, not NaN, far in the tail", () => {
    expect(binomialHalfCdf(10, 100_000)).toBe(0); // scipy.stats.binom.cdf(10, 100000, 0.5) == 0.0
  });

  it("is 0 below the support and 1 at its top", () => {
    expect(binomialHalfCdf(-1, 10)).toBe(0);
    expect(binomialHalfCdf(10, 10)).toBe(1);
    expect(binomialHalfCdf(0, 0)).toBe(1);
  });
});

describe("quantileInPlace", () => {
  it("matches NumPy's default percentile", () => {
    // numpy.percentile(numpy.arange(1, 11), [2.5, 97.5]) -> [1.225, 9.775]
    const values = Float64Array.from([7, 3, 10, 1, 5, 2, 9, 4, 8, 6]);
    expect(quantileInPlace(values, 10, 0.025)).toBeCloseTo(1.225, 12);
    expect(quantileInPlace(values, 10, 0.975)).toBeCloseTo(9.775, 12);
  });

  it("agrees with a full sort on data with many ties", () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + rng.int(0, 300);
      const values = Float64Array.from({ length: n }, () => rng.int(0, 6));
      const sorted = Float64Array.from(values).sort();
      for (const p of [0, 0.025, 0.5, 0.975, 1]) {
        const h = (n - 1) * p;
        const lo = Math.floor(h);
        const a = sorted[lo] as number;
        const b = (sorted[Math.min(lo + 1, n - 1)] as number) - a;
        expect(quantileInPlace(Float64Array.from(values), n, p)).toBeCloseTo(a + (h - lo) * b, 12);
      }
    }
  });
});

describe("summarizeReplicates", () => {
  it("gives the percentile interval and the sample standard deviation", () => {
    // a = [0.3, 0.1, 0.1, 0.9, 0.5, 0.5, 0.5, 0.2, 0.8, 0.1, 0.7]
    // numpy.percentile(a, [2.5, 97.5]) -> [0.1, 0.875]; a.std(ddof=1) -> 0.2901410315377992
    const values = Float64Array.from([0.3, 0.1, 0.1, 0.9, 0.5, 0.5, 0.5, 0.2, 0.8, 0.1, 0.7, 99]);
    const s = summarizeReplicates(0.4, values, 11, 12);
    expect(s.lower).toBeCloseTo(0.1, 12);
    expect(s.upper).toBeCloseTo(0.875, 12);
    expect(s.se).toBeCloseTo(0.2901410315377992, 12);
    expect(s.replicates).toBe(11);
    expect(s.undefinedReplicates).toBe(1);
  });

  it("gives nulls, never NaN, without replicates or estimate", () => {
    expect(summarizeReplicates(0.5, new Float64Array(0), 0, 10)).toEqual({
      estimate: 0.5,
      lower: null,
      upper: null,
      se: null,
      replicates: 0,
      undefinedReplicates: 10,
    });
    const one = summarizeReplicates(0.5, Float64Array.from([0.5]), 1, 1);
    expect(one.se).toBeNull();
    expect(one.lower).toBe(0.5);
  });
});

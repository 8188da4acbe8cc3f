import { describe, expect, it } from "vitest";
import { wilsonInterval } from "./wilson";

describe("wilsonInterval", () => {
  // Expected values from SciPy 1.17: scipy.stats.binomtest(x, n).proportion_ci(
  // confidence_level=0.95, method="wilson"), rounded to 4 decimals.
  it.each([
    // x, n, lower, upper
    [109, 150, 0.6504, 0.7917], // CXR-LLaVA model success, protocol.md table
    [126, 150, 0.773, 0.8901], // ground truth success
    [77, 150, 0.434, 0.592], // model, stringent (A only)
    [81, 150, 0.4602, 0.6178], // ground truth, stringent
    [0, 10, 0, 0.2775],
    [10, 10, 0.7225, 1],
    [1, 2, 0.0945, 0.9055],
  ])("%i/%i has the Wilson interval [%f, %f]", (x, n, lower, upper) => {
    const r = wilsonInterval(x, n);
    expect(r.lower).toBeCloseTo(lower, 3);
    expect(r.upper).toBeCloseTo(upper, 3);
  });

  it("reproduces the paper's Table 5 success rates (protocol.md)", () => {
    // 109/150 = 72.7% (model) and 126/150 = 84.0% (ground truth), as published.
    expect((wilsonInterval(109, 150).estimate! * 100).toFixed(1)).toBe("72.7");
    expect((wilsonInterval(126, 150).estimate! * 100).toFixed(1)).toBe("84.0");
    expect((wilsonInterval(77, 150).estimate! * 100).toFixed(1)).toBe("51.3");
    expect((wilsonInterval(81, 150).estimate! * 100).toFixed(1)).toBe("54.0");
  });

  it("gives null, not NaN, when there are no ratings", () => {
    expect(wilsonInterval(0, 0)).toEqual({
      successes: 0,
      n: 0,
      estimate: null,
      lower: null,
      upper: null,
    });
  });

  it("rejects impossible counts", () => {
    expect(() => wilsonInterval(5, 4)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 4)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 4)).toThrow(RangeError);
  });
});

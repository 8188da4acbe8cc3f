import { describe, expect, it } from "vitest";
import { createRng } from "../../lib/rng";
import { mrmcBinaryVariance, mrmcPairedDifference } from "./mrmc";
import type { BinaryCell } from "./types";

const pad = (i: number) => String(i).padStart(3, "0");

function fromMatrix(matrix: number[][], rated?: number[][]): BinaryCell[] {
  const cells: BinaryCell[] = [];
  matrix.forEach((row, r) =>
    row.forEach((value, c) => {
      if (!rated || rated[r]![c] === 1)
        cells.push({ reader: `R${pad(r)}`, caseId: `C${pad(c)}`, value });
    }),
  );
  return cells;
}

// A 5-reader x 12-case study and a second source on the same cells, generated and checked in
// Python by enumerating every ordered pair of cells (the U-statistic definition; script:
//   import numpy as np
//   def moments(S, M):
//       cells = [(r, c) for r in range(S.shape[0]) for c in range(S.shape[1]) if M[r, c]]
//       sums, counts = np.zeros(4), np.zeros(4)
//       for (r, c) in cells:
//           for (r2, c2) in cells:
//               k = 0 if (r, c) == (r2, c2) else 1 if r == r2 else 2 if c == c2 else 3
//               sums[k] += S[r, c] * S[r2, c2]; counts[k] += 1
//       m = sums / counts
//       return m, counts, counts @ m / len(cells) ** 2 - m[3]
// ), which for complete data equals Gallas's (2007) closed form
// [M1 + (Nc-1) M2 + (Nr-1) M3 + (Nr-1)(Nc-1) M4] / (Nr Nc) - M4.
const S = [
  [0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1],
  [1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1],
  [1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1],
  [1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1],
];
const T = [
  [1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1],
  [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1],
  [1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1],
  [1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0],
];
const RATED = [
  [1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1],
  [1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0],
  [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1],
  [0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1],
];

describe("mrmcBinaryVariance", () => {
  it("works a 2 x 2 study by hand", () => {
    // s = [[1, 0], [1, 1]]. Ordered pairs: M1 = 3/4; same reader (r1: 1*0, 0*1; r2: 1, 1)
    // M2 = 2/4; same case (c1: 1, 1; c2: 0, 0) M3 = 2/4; neither M4 = (1 + 0 + 0 + 1)/4 = 1/2.
    // Var = [3/4 + 1/2 + 1/2 + 1/2] / 4 - 1/2 = 1/16; se = 1/4; 0.75 + 1.96 * 0.25 > 1.
    const r = mrmcBinaryVariance(
      fromMatrix([
        [1, 0],
        [1, 1],
      ]),
    );
    expect(r.estimate).toBe(0.75);
    expect(r.moments).toEqual({
      m1: 0.75,
      m2: 0.5,
      m3: 0.5,
      m4: 0.5,
      pairs: { m1: 4, m2: 4, m3: 4, m4: 4 },
    });
    expect(r.variance).toBeCloseTo(1 / 16, 15);
    expect(r.se).toBeCloseTo(0.25, 15);
    expect(r.lower).toBeCloseTo(0.75 - 1.959963984540054 * 0.25, 12);
    expect(r.upper).toBe(1);
    expect(r.note).toBeNull();
  });

  it("matches the pair-by-pair U-statistics on a complete 5 x 12 study", () => {
    const r = mrmcBinaryVariance(fromMatrix(S));
    // Python (above): moments(S, ones) ->
    //   m = [0.6833333333333333, 0.48787878787878786, 0.4583333333333333, 0.4575757575757576]
    //   counts = [60, 660, 240, 2640], variance = 0.00936868686868686
    expect(r.estimate).toBeCloseTo(0.6833333333333333, 15);
    expect(r.moments.m1).toBeCloseTo(0.6833333333333333, 15);
    expect(r.moments.m2).toBeCloseTo(0.48787878787878786, 15);
    expect(r.moments.m3).toBeCloseTo(0.4583333333333333, 15);
    expect(r.moments.m4).toBeCloseTo(0.4575757575757576, 15);
    expect(r.moments.pairs).toEqual({ m1: 60, m2: 660, m3: 240, m4: 2640 });
    expect(r.variance).toBeCloseTo(0.00936868686868686, 15);
    expect(r.readers).toBe(5);
    expect(r.cases).toBe(12);
  });

  it("uses only rated pairs of each kind when cells are missing", () => {
    const r = mrmcBinaryVariance(fromMatrix(S, RATED));
    // Python (above): moments(S, RATED) ->
    //   m = [0.6818181818181818, 0.49710982658959535, 0.45161290322580644, 0.45147679324894513]
    //   counts = [44, 346, 124, 1422], variance = 0.013399239808906116
    expect(r.cells).toBe(44);
    expect(r.estimate).toBeCloseTo(0.6818181818181818, 15);
    expect(r.moments.m2).toBeCloseTo(0.49710982658959535, 15);
    expect(r.moments.m3).toBeCloseTo(0.45161290322580644, 15);
    expect(r.moments.m4).toBeCloseTo(0.45147679324894513, 15);
    expect(r.moments.pairs).toEqual({ m1: 44, m2: 346, m3: 124, m4: 1422 });
    expect(r.variance).toBeCloseTo(0.013399239808906116, 15);
  });

  it("is unbiased for the variance of a crossed reader-case design (simulation)", () => {
    // p_rc = 0.7 + a_r + b_c, a_r = +-0.15, b_c = +-0.1, s_rc ~ Bernoulli(p_rc). The variance of
    // the mean over Nr readers and Nc cases is exactly
    //   Var(a)/Nr + Var(b)/Nc + E[p(1-p)]/(Nr Nc) = 0.0225/5 + 0.01/30 + 0.1775/150 = 0.0060167
    // (E[p(1-p)] = 0.7 - (0.49 + 0.0225 + 0.01)).
    const truth = 0.0225 / 5 + 0.01 / 30 + 0.1775 / 150;
    const rng = createRng(77);
    const simulations = 4000;
    let meanVariance = 0;
    let sum = 0;
    let squares = 0;
    for (let s = 0; s < simulations; s++) {
      const a = Array.from({ length: 5 }, () => (rng.chance(0.5) ? 0.15 : -0.15));
      const b = Array.from({ length: 30 }, () => (rng.chance(0.5) ? 0.1 : -0.1));
      const matrix = a.map((ar) => b.map((bc) => (rng.chance(0.7 + ar + bc) ? 1 : 0)));
      const r = mrmcBinaryVariance(fromMatrix(matrix));
      meanVariance += r.variance! / simulations;
      sum += r.estimate!;
      squares += r.estimate! ** 2;
    }
    const empirical = squares / simulations - (sum / simulations) ** 2;
    expect(meanVariance / truth).toBeGreaterThan(0.95);
    expect(meanVariance / truth).toBeLessThan(1.05);
    expect(empirical / truth).toBeGreaterThan(0.9);
    expect(empirical / truth).toBeLessThan(1.1);
  });

  describe("edge cases give defined values", () => {
    it("no cells", () => {
      const r = mrmcBinaryVariance([]);
      expect(r).toMatchObject({ estimate: null, variance: null, se: null, lower: null, cells: 0 });
      expect(r.note).toBe("No rated cells.");
    });

    it("one reader: no between-reader moments, so no variance", () => {
      const r = mrmcBinaryVariance(fromMatrix([[1, 0, 1, 1]]));
      expect(r.estimate).toBe(0.75);
      expect(r.moments.m3).toBeNull();
      expect(r.moments.m4).toBeNull();
      expect(r.variance).toBeNull();
      expect(r.lower).toBeNull();
      expect(r.note).toMatch(/only one reader/);
    });

    it("one case: no between-case moments, so no variance", () => {
      const r = mrmcBinaryVariance(fromMatrix([[1], [0], [1]]));
      expect(r.estimate).toBeCloseTo(2 / 3, 15);
      expect(r.moments.m2).toBeNull();
      expect(r.variance).toBeNull();
      expect(r.note).toMatch(/only one case/);
    });

    it("a reader with no paired ratings drops out of the paired analysis", () => {
      const x = [...fromMatrix(S), { reader: "Z", caseId: "C000", value: 1 }];
      const r = mrmcPairedDifference(x, fromMatrix(T));
      expect(r.readers).toBe(5);
      expect(r.variance).toBeCloseTo(0.0059595959595959425, 15);
    });

    it("every rating a success: zero variance", () => {
      const r = mrmcBinaryVariance(
        fromMatrix([
          [1, 1, 1],
          [1, 1, 1],
        ]),
      );
      expect(r).toMatchObject({ estimate: 1, variance: 0, se: 0, lower: 1, upper: 1, note: null });
    });

    it("a negative unbiased estimate gives no interval, with a note", () => {
      // s = [[1, 0], [0, 1]]: M1 = 1/2, M2 = M3 = 0, M4 = 1/2, Var = 1/4 * (1/2 + 1/2) - 1/2.
      const r = mrmcBinaryVariance(
        fromMatrix([
          [1, 0],
          [0, 1],
        ]),
      );
      expect(r.variance).toBeCloseTo(-0.25, 15);
      expect(r.se).toBeNull();
      expect(r.lower).toBeNull();
      expect(r.note).toMatch(/negative/);
    });
  });
});

describe("mrmcPairedDifference", () => {
  it("equals Var(x) + Var(y) - 2 Cov(x, y) with Gallas's cross-moments on complete data", () => {
    // Python (above), with cross(A, B) the closed form on the moments of A_rc * B_r'c':
    //   cross(S, S) + cross(T, T) - 2 * cross(S, T) = 0.0059595959595959425
    //   var(S) = 0.00936868686868686, var(T) = 0.00452020202020198, cov = 0.0039646464646464485
    const r = mrmcPairedDifference(fromMatrix(S), fromMatrix(T));
    expect(r.variance).toBeCloseTo(0.0059595959595959425, 15);
    expect(r.estimate).toBeCloseTo(41 / 60 - 37 / 60, 15);
    expect(r.x).toBeCloseTo(41 / 60, 15);
    expect(r.y).toBeCloseTo(37 / 60, 15);
    expect(mrmcBinaryVariance(fromMatrix(T)).variance).toBeCloseTo(0.00452020202020198, 15);
    expect(r.lower).toBeCloseTo(r.estimate! - 1.959963984540054 * Math.sqrt(r.variance!), 12);
  });

  it("uses only cells rated for both sources", () => {
    const x = fromMatrix(S);
    const y = fromMatrix(T, RATED);
    const r = mrmcPairedDifference(x, y);
    expect(r.cells).toBe(44);
    const both = new Set(y.map((c) => `${c.reader}|${c.caseId}`));
    const xOnBoth = x.filter((c) => both.has(`${c.reader}|${c.caseId}`));
    const sx = xOnBoth.reduce((a, c) => a + c.value, 0) / 44;
    const sy = y.reduce((a, c) => a + c.value, 0) / 44;
    expect(r.x).toBeCloseTo(sx, 15);
    expect(r.y).toBeCloseTo(sy, 15);
  });

  it("gives zero for identical sources and nulls for disjoint ones", () => {
    const same = mrmcPairedDifference(fromMatrix(S), fromMatrix(S));
    expect(same).toMatchObject({ estimate: 0, variance: 0, se: 0, lower: 0, upper: 0 });
    const disjoint = mrmcPairedDifference(
      [{ reader: "a", caseId: "x", value: 1 }],
      [{ reader: "a", caseId: "y", value: 1 }],
    );
    expect(disjoint).toMatchObject({ estimate: null, x: null, y: null, variance: null });
  });
});

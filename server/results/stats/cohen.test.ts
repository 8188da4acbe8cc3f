import { describe, expect, it } from "vitest";
import { createRng } from "../../lib/rng";
import { cohenKappaFromTable, pairwiseCohenKappa } from "./cohen";
import { summarizeReplicates } from "./math";
import type { RatingCell } from "./types";

// Two raters, 20 items, levels 0-3. Expected values: scikit-learn 1.2.1 (Debian python3-sklearn)
//   sklearn.metrics.cohen_kappa_score(a, b, weights=w, labels=[0, 1, 2, 3])
// and statsmodels 0.13.5 cohens_kappa(table, wt=None | "linear" | "quadratic").kappa, equal.
const A = [0, 0, 1, 2, 3, 0, 1, 1, 2, 0, 0, 3, 2, 1, 0, 0, 1, 3, 2, 0];
const B = [0, 1, 1, 2, 2, 0, 0, 1, 3, 0, 1, 3, 2, 2, 0, 0, 1, 2, 3, 1];
const TABLE = [5, 3, 0, 0, 1, 3, 1, 0, 0, 0, 2, 2, 0, 0, 2, 1];

function twoRaters(a: number[], b: number[], names = ["ann", "bob"]): RatingCell[] {
  return [
    ...a.map((level, i) => ({
      reader: names[0]!,
      caseId: `c${String(i).padStart(3, "0")}`,
      level,
    })),
    ...b.map((level, i) => ({
      reader: names[1]!,
      caseId: `c${String(i).padStart(3, "0")}`,
      level,
    })),
  ];
}

describe("cohenKappaFromTable", () => {
  it("matches scikit-learn and statsmodels, unweighted and weighted", () => {
    const k = cohenKappaFromTable(TABLE, 4);
    expect(k.n).toBe(20);
    expect(k.observedAgreement).toBeCloseTo(11 / 20, 15);
    expect(k.unweighted).toBeCloseTo(0.38566552901023887, 14);
    expect(k.linear).toBeCloseTo(0.620253164556962, 14);
    expect(k.quadratic).toBeCloseTo(0.8043478260869565, 14);
  });

  it("weights by distance on the whole scale, even when a level goes unused", () => {
    // a = [0,0,1,3,3,0,1], b = [0,1,1,3,0,0,3]; level 2 unused. With labels=[0,1,2,3]
    // scikit-learn gives 0.34375 / 0.34375 / 0.35526315789473684; without labels it would
    // treat 3 as adjacent to 1 (0.3636..., 0.3823...), which is not the scale.
    const cells = twoRaters([0, 0, 1, 3, 3, 0, 1], [0, 1, 1, 3, 0, 0, 3]);
    const [pair] = pairwiseCohenKappa(cells, { seed: 1, replicates: 0 });
    expect(pair!.unweighted.estimate).toBeCloseTo(0.34375, 14);
    expect(pair!.linear.estimate).toBeCloseTo(0.34375, 14);
    expect(pair!.quadratic.estimate).toBeCloseTo(0.35526315789473684, 14);
  });

  it("is null, not NaN, when no disagreement is expected or nothing was rated", () => {
    expect(cohenKappaFromTable([4, 0, 0, 0], 2)).toEqual({
      n: 4,
      observedAgreement: 1,
      unweighted: null,
      linear: null,
      quadratic: null,
    });
    // Each rater used one level, but not the same one: expected = observed disagreement.
    expect(cohenKappaFromTable([0, 4, 0, 0], 2).unweighted).toBe(0);
    expect(cohenKappaFromTable([0, 0, 0, 0], 2)).toMatchObject({ n: 0, unweighted: null });
    expect(() => cohenKappaFromTable([1, 2, 3], 2)).toThrow(RangeError);
  });
});

describe("pairwiseCohenKappa", () => {
  it("gives each reader pair's kappas over the items both rated", () => {
    const cells = [
      ...twoRaters(A, B),
      // A third reader who rated only the first ten items, all as B.
      ...A.slice(0, 10).map((_, i) => ({
        reader: "cat",
        caseId: `c${String(i).padStart(3, "0")}`,
        level: 1,
      })),
    ];
    const pairs = pairwiseCohenKappa(cells, { seed: 1, replicates: 0 });
    expect(pairs.map((p) => [p.readerA, p.readerB, p.items])).toEqual([
      ["ann", "bob", 20],
      ["ann", "cat", 10],
      ["bob", "cat", 10],
    ]);
    expect(pairs[0]!.unweighted.estimate).toBeCloseTo(0.38566552901023887, 14);
    expect(pairs[0]!.quadratic.estimate).toBeCloseTo(0.8043478260869565, 14);
    expect(pairs[0]!.rawAgreement.estimate).toBeCloseTo(11 / 20, 15);
    // "cat" used one level throughout: observed and chance disagreement coincide, kappa 0.
    expect(pairs[1]!.unweighted.estimate).toBeCloseTo(0, 15);
  });

  it("has the sampling distribution of resampling items directly", () => {
    // The multinomial draw of a pair's table must behave like drawing items with
    // replacement: compare with the direct item bootstrap on another stream.
    const rng = createRng(4);
    const a = Array.from({ length: 150 }, () => rng.int(0, 3));
    const b = a.map((x) => (rng.chance(0.6) ? x : rng.int(0, 3)));
    const replicates = 4000;
    const [pair] = pairwiseCohenKappa(twoRaters(a, b), { seed: 8, replicates });
    const direct = new Float64Array(replicates);
    const stream = createRng(99);
    for (let r = 0; r < replicates; r++) {
      const table = new Array<number>(16).fill(0);
      for (let j = 0; j < a.length; j++) {
        const i = Math.floor(stream.next() * a.length);
        table[a[i]! * 4 + b[i]!]!++;
      }
      direct[r] = cohenKappaFromTable(table, 4).linear!;
    }
    const slow = summarizeReplicates(0, direct, replicates, replicates);
    expect(pair!.linear.se! / slow.se!).toBeGreaterThan(0.93);
    expect(pair!.linear.se! / slow.se!).toBeLessThan(1.07);
    expect(Math.abs(pair!.linear.lower! - slow.lower!)).toBeLessThan(0.2 * slow.se!);
    expect(Math.abs(pair!.linear.upper! - slow.upper!)).toBeLessThan(0.2 * slow.se!);
  });

  it("is reproducible, and a pair's interval does not depend on the other readers", () => {
    const cells = twoRaters(A, B);
    const alone = pairwiseCohenKappa(cells, { seed: 3 });
    expect(pairwiseCohenKappa([...cells].reverse(), { seed: 3 })).toEqual(alone);
    const withThird = pairwiseCohenKappa(
      [
        ...cells,
        ...A.map((level, i) => ({
          reader: "zed",
          caseId: `c${String(i).padStart(3, "0")}`,
          level,
        })),
      ],
      { seed: 3 },
    );
    expect(withThird[0]).toEqual(alone[0]);
    const p = alone[0]!;
    for (const s of [p.rawAgreement, p.unweighted, p.linear, p.quadratic]) {
      expect(s.lower!).toBeLessThanOrEqual(s.estimate!);
      expect(s.upper!).toBeGreaterThanOrEqual(s.estimate!);
      expect(s.replicates + s.undefinedReplicates).toBe(2000);
    }
  });

  it("gives defined results for no readers, one reader, disjoint readers and all-A ratings", () => {
    expect(pairwiseCohenKappa([], { seed: 1 })).toEqual([]);
    expect(pairwiseCohenKappa(twoRaters(A, []).slice(0, 20), { seed: 1 })).toEqual([]);
    const disjoint = pairwiseCohenKappa(
      [
        { reader: "a", caseId: "1", level: 0 },
        { reader: "b", caseId: "2", level: 0 },
      ],
      { seed: 1 },
    );
    expect(disjoint).toHaveLength(1);
    expect(disjoint[0]).toMatchObject({ items: 0 });
    expect(disjoint[0]!.unweighted).toMatchObject({ estimate: null, lower: null, replicates: 0 });
    const allA = pairwiseCohenKappa(twoRaters([0, 0, 0], [0, 0, 0]), { seed: 1, replicates: 10 });
    expect(allA[0]!.unweighted).toMatchObject({ estimate: null, undefinedReplicates: 10 });
    expect(allA[0]!.rawAgreement).toMatchObject({ estimate: 1, lower: 1, upper: 1 });
  });
});

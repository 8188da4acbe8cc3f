import { describe, expect, it } from "vitest";
import { createRng } from "../../lib/rng";
import { agreementStatistics, type AgreementResult } from "./agreement";
import { summarizeReplicates } from "./math";
import type { RatingCell } from "./types";

/**
 * Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
 * twelve units, values 1-5 with missing values ("." below). Published: nominal alpha = 0.743,
 * ordinal alpha = 0.815. The same data are the R package irrCAC's `cac.raw4raters`, whose
 * vignette prints Fleiss' kappa 0.76117 (pa 0.8181818, pe 0.2387153) and Gwet's AC1 0.77544
 * (pe 0.1903212). Full-precision values from this independent Python computation:
 *   import numpy as np
 *   cnt = per-unit counts of values 1..5 (12 x 5); r = cnt.sum(1); K = 5; m2 = r >= 2
 *   pa = ((cnt * (cnt - 1)).sum(1)[m2] / (r[m2] * (r[m2] - 1))).mean()
 *   pi = (cnt / r[:, None]).mean(0)
 *   fleiss = (pa - (pi**2).sum()) / (1 - (pi**2).sum())
 *   pe = (pi * (1 - pi)).sum() / (K - 1); ac1 = (pa - pe) / (1 - pe)
 *   o[k, l] = sum over units with r >= 2 of cnt[k] * (cnt[l] - (k == l)) / (r - 1)
 *   nk = o.sum(1); n = nk.sum()
 *   alpha(d) = 1 - (n - 1) * (o * d).sum() / (np.outer(nk, nk) * d).sum()
 *   nominal d = 1 - I; ordinal d[c, k] = (nk[min(c,k):max(c,k)+1].sum() - (nk[c] + nk[k]) / 2)**2
 */
const KRIPPENDORFF: (number | null)[][] = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
  [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
];

function fromObservers(data: (number | null)[][], offset = 1): RatingCell[] {
  const cells: RatingCell[] = [];
  data.forEach((row, o) =>
    row.forEach((v, u) => {
      if (v !== null) {
        cells.push({
          reader: `obs${o}`,
          caseId: `unit${String(u).padStart(2, "0")}`,
          level: v - offset,
        });
      }
    }),
  );
  return cells;
}

/** Items given as per-category counts; rater j of an item gives its j-th rating. */
function fromCounts(counts: number[][]): RatingCell[] {
  return counts.flatMap((row, i) =>
    row
      .flatMap((n, level) => Array.from({ length: n }, () => level))
      .map((level, j) => ({ reader: `rater${j}`, caseId: `item${i}`, level })),
  );
}

describe("agreementStatistics", () => {
  describe("Krippendorff's (2011) reliability data with missing values", () => {
    const r = agreementStatistics(fromObservers(KRIPPENDORFF), {
      categories: 5,
      seed: 1,
      replicates: 0,
    });

    it("reproduces the published alphas (nominal 0.743, ordinal 0.815)", () => {
      expect(r.krippendorffAlphaNominal.estimate!.toFixed(3)).toBe("0.743");
      expect(r.krippendorffAlphaOrdinal.estimate!.toFixed(3)).toBe("0.815");
      expect(r.krippendorffAlphaNominal.estimate).toBeCloseTo(0.7434210526315791, 14);
      expect(r.krippendorffAlphaOrdinal.estimate).toBeCloseTo(0.8153875037548814, 14);
    });

    it("reproduces irrCAC's Fleiss' kappa and Gwet's AC1 for unequal numbers of ratings", () => {
      expect(r.fleissKappa.pa).toBeCloseTo(0.8181818181818182, 14);
      expect(r.fleissKappa.pe).toBeCloseTo(0.2387152777777778, 14);
      expect(r.fleissKappa.estimate).toBeCloseTo(0.7611692754224112, 14);
      expect(r.gwetAC1.pe).toBeCloseTo(0.19032118055555555, 14);
      expect(r.gwetAC1.estimate).toBeCloseTo(0.775444068126995, 14);
      expect(r.rawAgreement.estimate).toBeCloseTo(9 / 11, 14);
    });

    it("describes the data and says what the unequal numbers of ratings mean", () => {
      expect(r).toMatchObject({ items: 12, raters: 4, ratings: 41, pairableItems: 11 });
      expect(r.balanced).toBe(false);
      expect(r.notes.join(" ")).toMatch(/Gwet's generalization/);
      expect(r.notes.join(" ")).toMatch(/1 item\(s\) have a single rating/);
    });
  });

  describe("complete data (Wikipedia's Fleiss' kappa example: 10 items, 14 raters, 5 levels)", () => {
    const counts = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    const r = agreementStatistics(fromCounts(counts), { categories: 5, seed: 1, replicates: 0 });

    it("matches statsmodels' Fleiss' kappa", () => {
      // statsmodels.stats.inter_rater.fleiss_kappa(table) -> 0.20993070442195522
      expect(r.fleissKappa.estimate).toBeCloseTo(0.20993070442195522, 14);
      expect(r.balanced).toBe(true);
      expect(r.notes).toEqual([]);
    });

    it("matches the formulas above for AC1, raw agreement and alpha", () => {
      // Same Python as for Krippendorff's data, on this table:
      //   pa 0.378021978021978, ac1 0.22561415081662817 (pe 0.19681122448979593),
      //   alpha nominal 0.21557405653322692, ordinal 0.5407502747568197
      expect(r.rawAgreement.estimate).toBeCloseTo(0.378021978021978, 14);
      expect(r.gwetAC1.estimate).toBeCloseTo(0.22561415081662817, 14);
      expect(r.gwetAC1.pe).toBeCloseTo(0.19681122448979593, 14);
      expect(r.krippendorffAlphaNominal.estimate).toBeCloseTo(0.21557405653322692, 14);
      expect(r.krippendorffAlphaOrdinal.estimate).toBeCloseTo(0.5407502747568197, 14);
    });
  });

  describe("item bootstrap", () => {
    const rng = createRng(21);
    const cells: RatingCell[] = [];
    for (let i = 0; i < 60; i++) {
      const truth = rng.int(0, 3);
      for (let r = 0; r < 5; r++) {
        if (rng.chance(0.1)) continue;
        const level = rng.chance(0.7) ? truth : rng.int(0, 3);
        cells.push({ reader: `r${r}`, caseId: `i${String(i).padStart(2, "0")}`, level });
      }
    }

    it("matches recomputing every statistic on each resample of items", () => {
      const replicates = 200;
      const fast = agreementStatistics(cells, { seed: 5, replicates });
      // The slow way on the same stream: draw items, rename the copies so that each is an
      // item of its own, and compute the point estimates afresh.
      const items = [...new Set(cells.map((c) => c.caseId))].sort();
      const byItem = new Map(items.map((id) => [id, cells.filter((c) => c.caseId === id)]));
      const stream = createRng(5);
      const names = [
        "rawAgreement",
        "fleissKappa",
        "gwetAC1",
        "krippendorffAlphaNominal",
        "krippendorffAlphaOrdinal",
      ] as const;
      const values = names.map(() => new Float64Array(replicates));
      for (let b = 0; b < replicates; b++) {
        const resample: RatingCell[] = [];
        for (let j = 0; j < items.length; j++) {
          const id = items[Math.floor(stream.next() * items.length)]!;
          for (const c of byItem.get(id)!) resample.push({ ...c, caseId: `${j}` });
        }
        const point = agreementStatistics(resample, { seed: 0, replicates: 0 });
        names.forEach((name, s) => (values[s]![b] = point[name].estimate!));
      }
      names.forEach((name, s) => {
        const slow = summarizeReplicates(0, values[s]!, replicates, replicates);
        expect(fast[name].lower).toBeCloseTo(slow.lower!, 12);
        expect(fast[name].upper).toBeCloseTo(slow.upper!, 12);
        expect(fast[name].se).toBeCloseTo(slow.se!, 12);
      });
    });

    it("is reproducible from the seed, and each interval contains its estimate", () => {
      const a = agreementStatistics(cells, { seed: 9 });
      expect(agreementStatistics([...cells].reverse(), { seed: 9 })).toEqual(a);
      expect(agreementStatistics(cells, { seed: 10 }).fleissKappa.lower).not.toBe(
        a.fleissKappa.lower,
      );
      for (const s of [
        a.rawAgreement,
        a.fleissKappa,
        a.gwetAC1,
        a.krippendorffAlphaNominal,
        a.krippendorffAlphaOrdinal,
      ]) {
        expect(s.replicates).toBe(2000);
        expect(s.lower!).toBeLessThanOrEqual(s.estimate!);
        expect(s.upper!).toBeGreaterThanOrEqual(s.estimate!);
      }
    });
  });

  describe("edge cases give defined values", () => {
    const allNull = (r: AgreementResult) =>
      [
        r.rawAgreement,
        r.fleissKappa,
        r.gwetAC1,
        r.krippendorffAlphaNominal,
        r.krippendorffAlphaOrdinal,
      ].every((s) => s.estimate === null && s.lower === null && s.se === null);

    it("no ratings", () => {
      const r = agreementStatistics([], { seed: 1 });
      expect(r).toMatchObject({ items: 0, raters: 0, ratings: 0, pairableItems: 0 });
      expect(allNull(r)).toBe(true);
    });

    it("one reader: nothing to agree on", () => {
      const r = agreementStatistics(
        [0, 1, 2, 3].map((level, i) => ({ reader: "a", caseId: `c${i}`, level })),
        { seed: 1 },
      );
      expect(allNull(r)).toBe(true);
      expect(r.notes.join(" ")).toMatch(/No item has two ratings/);
    });

    it("every rating A: the prevalence paradox at its extreme", () => {
      const cells = fromCounts([
        [3, 0, 0, 0],
        [3, 0, 0, 0],
        [3, 0, 0, 0],
      ]);
      const r = agreementStatistics(cells, { seed: 1, replicates: 100 });
      expect(r.rawAgreement).toMatchObject({ estimate: 1, lower: 1, upper: 1 });
      expect(r.gwetAC1).toMatchObject({ estimate: 1, lower: 1, upper: 1, pe: 0 });
      expect(r.fleissKappa).toMatchObject({ estimate: null, lower: null, pe: 1 });
      expect(r.fleissKappa.undefinedReplicates).toBe(100);
      expect(r.krippendorffAlphaNominal.estimate).toBeNull();
      expect(r.krippendorffAlphaOrdinal.estimate).toBeNull();
      expect(r.notes.join(" ")).toMatch(/prevalence paradox/);
    });

    it("one item", () => {
      // Ratings A, A, B: pa = 1/3, pi = (2/3, 1/3), Fleiss pe = 5/9, kappa = (1/3 - 5/9)/(4/9).
      const r = agreementStatistics(fromCounts([[2, 1, 0, 0]]), { seed: 1, replicates: 50 });
      expect(r.fleissKappa.estimate).toBeCloseTo(-0.5, 14);
      expect(r.fleissKappa.lower).toBeCloseTo(-0.5, 14);
      expect(r.fleissKappa.upper).toBeCloseTo(-0.5, 14);
      expect(r.rawAgreement.estimate).toBeCloseTo(1 / 3, 14);
    });

    it("missing ratings and a reader who rated a single item", () => {
      const cells = [
        ...fromCounts([
          [1, 1, 0, 0],
          [2, 0, 0, 0],
          [0, 0, 2, 0],
        ]),
      ];
      cells.push({ reader: "late", caseId: "item0", level: 0 });
      const r = agreementStatistics(cells, { seed: 3, replicates: 200 });
      expect(r.raters).toBe(3);
      expect(r.balanced).toBe(false);
      expect(r.krippendorffAlphaOrdinal.estimate).not.toBeNull();
      expect(
        r.krippendorffAlphaOrdinal.replicates + r.krippendorffAlphaOrdinal.undefinedReplicates,
      ).toBe(200);
    });

    it("rejects levels off the scale, duplicates and a one-level scale", () => {
      const cell = { reader: "a", caseId: "x", level: 0 };
      expect(() => agreementStatistics([{ ...cell, level: 4 }], { seed: 1 })).toThrow(RangeError);
      expect(() => agreementStatistics([cell, cell], { seed: 1 })).toThrow(RangeError);
      expect(() => agreementStatistics([cell], { seed: 1, categories: 1 })).toThrow(RangeError);
    });
  });
});

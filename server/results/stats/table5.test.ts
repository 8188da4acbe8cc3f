import { describe, expect, it } from "vitest";
import { wilsonInterval } from "./wilson";
import { pairedCrossedBootstrap } from "./bootstrap";
import { levelDistribution } from "./groups";
import { mrmcPairedDifference } from "./mrmc";
import { cochranQ, mcnemarExact } from "./paired";
import {
  binarize,
  STANDARD_SUCCESS,
  STRINGENT_SUCCESS,
  type BinaryCell,
  type RatingCell,
} from "./types";

/*
 * CXR-LLaVA's human evaluation (protocol.md): 3 radiologists x 50 images, each image rated once
 * with the model's report and once with the original ("ground truth"); 150 ratings per source.
 * Published (Table 5): model A/B/C/D = 77/32/8/33, ground truth 81/45/6/18; success (A or B)
 * 109/150 = 72.7% vs 126/150 = 84.0%; Cochran's Q p < 0.001, "treating the ratings as
 * independent".
 *
 * What is reproducible from the publication: the marginal counts, shares and success rates
 * (exactly, below). What is not: Cochran's Q and McNemar need the pairing of each model rating
 * with the same reader's rating of the same image, which was not published. With k = 2, Q is
 * (b - c)^2 / (b + c) for b = model success & original failure and c = the reverse; the margins
 * fix b - c = 109 - 126 = -17 and allow b = 0..24 (24 original failures), so Q ranges from
 * 289/65 = 4.45 (p = 0.035) to 289/17 = 17.0 (p = 3.7e-5). The published p < 0.001 holds exactly
 * when b <= 4, i.e. at most 25 discordant pairs out of 150: the claim is consistent with the
 * margins only if the two reports of an image were rated alike almost always. Per-reader rates,
 * intervals and agreement cannot be recomputed at all.
 */

const READERS = 3;
const IMAGES = 50;

/** Levels in the published proportions, in order: `counts[level]` times each level. */
function levels(counts: number[]): number[] {
  return counts.flatMap((n, level) => Array.from({ length: n }, () => level));
}

/** Cell i is reader i mod 3 rating image floor(i / 3). */
function ratings(levelList: number[]): RatingCell[] {
  return levelList.map((level, i) => ({
    reader: `R${(i % READERS) + 1}`,
    caseId: `img${String(Math.floor(i / READERS)).padStart(2, "0")}`,
    level,
  }));
}

const MODEL = [77, 32, 8, 33];
const ORIGINAL = [81, 45, 6, 18];

/**
 * A pairing consistent with the margins with b model-only successes: rows of (model, original)
 * success in the same reader-image cells.
 */
function pairing(b: number): [BinaryCell[], BinaryCell[]] {
  const c = b + 17;
  const rows = [
    ...Array.from({ length: 109 - b }, () => [1, 1]),
    ...Array.from({ length: b }, () => [1, 0]),
    ...Array.from({ length: c }, () => [0, 1]),
    ...Array.from({ length: 150 - 109 - c }, () => [0, 0]),
  ];
  const cells = (s: number) =>
    rows.map((row, i) => ({
      reader: `R${(i % READERS) + 1}`,
      caseId: `img${String(Math.floor(i / READERS)).padStart(2, "0")}`,
      value: row[s]!,
    }));
  return [cells(0), cells(1)];
}

describe("CXR-LLaVA Table 5 (protocol.md)", () => {
  const model = ratings(levels(MODEL));
  const original = ratings(levels(ORIGINAL));

  it("reproduces the published rating distribution", () => {
    const m = levelDistribution(model);
    const o = levelDistribution(original);
    expect(m.n).toBe(READERS * IMAGES);
    expect(m.counts).toEqual([77, 32, 8, 33]);
    expect(o.counts).toEqual([81, 45, 6, 18]);
    const pct = (shares: (number | null)[]) => shares.map((s) => (s! * 100).toFixed(1));
    expect(pct(m.shares)).toEqual(["51.3", "21.3", "5.3", "22.0"]);
    expect(pct(o.shares)).toEqual(["54.0", "30.0", "4.0", "12.0"]);
  });

  it("reproduces the success rates 72.7% and 84.0% (and 51.3% / 54.0% for A only)", () => {
    const rate = (cells: RatingCell[], success: readonly number[]) => {
      const binary = binarize(cells, success);
      const p = wilsonInterval(
        binary.reduce((a, c) => a + c.value, 0),
        binary.length,
      );
      return (p.estimate! * 100).toFixed(1);
    };
    expect(rate(model, STANDARD_SUCCESS)).toBe("72.7");
    expect(rate(original, STANDARD_SUCCESS)).toBe("84.0");
    expect(rate(model, STRINGENT_SUCCESS)).toBe("51.3");
    expect(rate(original, STRINGENT_SUCCESS)).toBe("54.0");
  });

  it("every pairing consistent with the margins keeps the success rates", () => {
    for (let b = 0; b <= 24; b++) {
      const [x, y] = pairing(b);
      expect(x.reduce((a, c) => a + c.value, 0)).toBe(109);
      expect(y.reduce((a, c) => a + c.value, 0)).toBe(126);
    }
  });

  it("gives Cochran's Q p < 0.001 exactly for the pairings with at most 4 model-only successes", () => {
    // statsmodels cochrans_q on the constructed pairings (b, c = b + 17):
    //   b = 0 -> 3.737981840170153e-05, b = 4 -> 0.0006738585313537617,
    //   b = 5 -> 0.0010692127549193704, b = 24 -> 0.034979944635443676
    const published: Record<number, number> = {
      0: 3.737981840170153e-5,
      4: 0.0006738585313537617,
      5: 0.0010692127549193704,
      24: 0.034979944635443676,
    };
    for (let b = 0; b <= 24; b++) {
      const q = cochranQ(pairing(b));
      expect(q.blocks).toBe(150);
      expect(q.statistic).toBeCloseTo(289 / (2 * b + 17), 12);
      expect(q.pValue! < 0.001).toBe(b <= 4);
      const expected = published[b];
      if (expected !== undefined) expect(q.pValue).toBeCloseTo(expected, 12);
    }
  });

  it("the aligned level sequences are the most concordant pairing (b = 0)", () => {
    // Model and original levels listed in the same cell order: every model success falls on an
    // original success, so b = 0 and c = 17.
    const m = binarize(model, STANDARD_SUCCESS);
    const o = binarize(original, STANDARD_SUCCESS);
    const r = mcnemarExact(m, o);
    expect(r).toMatchObject({ xOnly: 0, yOnly: 17, bothSuccess: 109, neither: 24 });
    // statsmodels mcnemar([[109, 0], [17, 24]], exact=True).pvalue -> 1.52587890625e-05
    expect(r.pValue).toBeCloseTo(1.52587890625e-5, 15);
    expect(cochranQ([m, o]).statistic).toBeCloseTo(17, 12);
  });

  it("the design-aware analyses run on the constructed study and keep the published rates", () => {
    const [x, y] = pairing(4);
    const boot = pairedCrossedBootstrap(x, y, { seed: 2024 });
    expect(boot.x.estimate).toBeCloseTo(109 / 150, 15);
    expect(boot.y.estimate).toBeCloseTo(126 / 150, 15);
    expect(boot.difference.estimate).toBeCloseTo(-17 / 150, 15);
    expect(boot.difference.lower!).toBeLessThan(boot.difference.upper!);
    const mrmc = mrmcPairedDifference(x, y);
    expect(mrmc.estimate).toBeCloseTo(-17 / 150, 15);
    expect(mrmc.readers).toBe(3);
    expect(mrmc.cases).toBe(50);
  });
});

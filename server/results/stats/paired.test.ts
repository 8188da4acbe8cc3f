import { describe, expect, it } from "vitest";
import { atLeastAsGood, cochranQ, mcnemarExact } from "./paired";
import type { BinaryCell, RatingCell } from "./types";

// Expected p-values: statsmodels 0.13.5 (Debian python3-statsmodels, /usr/bin/python3), the
// call beside each; table = [[both, x only], [y only, neither]].

/** k sources' binary values on one (reader, case) cell per row; readers r0..r2 cycle. */
function sources(rows: number[][]): BinaryCell[][] {
  const k = rows[0]?.length ?? 0;
  return Array.from({ length: k }, (_, s) =>
    rows.map((row, i) => ({ reader: `r${i % 3}`, caseId: `c${i}`, value: row[s]! })),
  );
}

/** Rows for a 2 x 2 table of paired outcomes. */
function table(both: number, xOnly: number, yOnly: number, neither: number): number[][] {
  return [
    ...Array.from({ length: both }, () => [1, 1]),
    ...Array.from({ length: xOnly }, () => [1, 0]),
    ...Array.from({ length: yOnly }, () => [0, 1]),
    ...Array.from({ length: neither }, () => [0, 0]),
  ];
}

describe("mcnemarExact", () => {
  it.each([
    // both, x only, y only, neither, mcnemar(table, exact=True).pvalue
    [20, 3, 12, 15, 0.03515625],
    [109, 0, 17, 24, 1.52587890625e-5],
    [85, 24, 41, 0, 0.0463534743329112],
    [10, 5, 5, 10, 1.0],
    [40000, 1200, 1300, 500, 0.047681865221043424],
    [7, 0, 0, 3, 1.0],
  ])("table [[%i, %i], [%i, %i]] has p = %f", (both, xOnly, yOnly, neither, p) => {
    const [x, y] = sources(table(both, xOnly, yOnly, neither)) as [BinaryCell[], BinaryCell[]];
    const r = mcnemarExact(x, y);
    expect(r).toMatchObject({ bothSuccess: both, xOnly, yOnly, neither, unpairedX: 0 });
    expect(r.pairs).toBe(both + xOnly + yOnly + neither);
    expect(Math.abs(r.pValue - p)).toBeLessThan(1e-12 + 1e-9 * p);
  });

  it("pairs cells by reader and case, whatever the order, and counts the unpaired", () => {
    const x: BinaryCell[] = [
      { reader: "a", caseId: "1", value: 1 },
      { reader: "b", caseId: "1", value: 0 },
      { reader: "a", caseId: "2", value: 1 },
    ];
    const y: BinaryCell[] = [
      { reader: "b", caseId: "1", value: 1 },
      { reader: "a", caseId: "1", value: 1 },
      { reader: "c", caseId: "9", value: 1 },
    ];
    expect(mcnemarExact(x, y)).toEqual({
      pairs: 2,
      bothSuccess: 1,
      xOnly: 0,
      yOnly: 1,
      neither: 0,
      pValue: 1,
      unpairedX: 1,
      unpairedY: 1,
    });
  });

  it("gives p = 1 on empty input", () => {
    expect(mcnemarExact([], []).pValue).toBe(1);
  });

  it("rejects two ratings of one cell", () => {
    const cell = { reader: "a", caseId: "1", value: 1 };
    expect(() => mcnemarExact([cell, cell], [])).toThrow(RangeError);
  });
});

describe("cochranQ", () => {
  const rows = [
    [1, 1, 0],
    [1, 0, 0],
    [1, 1, 1],
    [0, 0, 0],
    [1, 0, 1],
    [1, 1, 0],
    [0, 1, 0],
    [1, 0, 0],
    [1, 1, 1],
    [1, 0, 0],
    [0, 0, 1],
    [1, 1, 0],
  ];

  it("matches statsmodels for three related samples", () => {
    // cochrans_q(x) -> statistic 4.222222222222222, pvalue 0.12110333239232973, df 2
    const r = cochranQ(sources(rows));
    expect(r.statistic).toBeCloseTo(4.222222222222222, 12);
    expect(r.pValue).toBeCloseTo(0.12110333239232973, 12);
    expect(r.df).toBe(2);
    expect(r.blocks).toBe(12);
    expect(r.successes).toEqual([9, 6, 4]);
  });

  it("equals McNemar's chi-square without continuity correction for two samples", () => {
    // cochrans_q(x[:, :2]) -> 1.8, p 0.17971249487899593; mcnemar(..., exact=False,
    // correction=False) -> the same statistic and p
    const r = cochranQ(sources(rows.map((row) => row.slice(0, 2))));
    expect(r.statistic).toBeCloseTo(1.8, 12);
    expect(r.pValue).toBeCloseTo(0.17971249487899593, 12);
  });

  it("uses only blocks rated in every sample", () => {
    const [a, b, c] = sources(rows) as [BinaryCell[], BinaryCell[], BinaryCell[]];
    const r = cochranQ([a, b.slice(1), c]);
    expect(r.blocks).toBe(11);
    expect(r.unpaired).toEqual([1, 0, 1]);
  });

  it("is undefined (null), not NaN, when no block has mixed results", () => {
    const r = cochranQ(
      sources([
        [1, 1],
        [0, 0],
        [1, 1],
      ]),
    );
    expect(r).toMatchObject({ statistic: null, pValue: null, blocks: 3 });
    expect(cochranQ([[], []])).toMatchObject({ statistic: null, pValue: null, blocks: 0 });
  });

  it("needs at least two samples", () => {
    expect(() => cochranQ([[]])).toThrow(RangeError);
  });
});

describe("atLeastAsGood", () => {
  const cell = (reader: string, caseId: string, level: number): RatingCell => ({
    reader,
    caseId,
    level,
  });

  it("counts better, tied and worse cells, with a Wilson interval", () => {
    // x vs y levels: 12 pairs, 3 better, 6 tied, 3 worse -> 9/12 at least as good.
    // scipy.stats.binomtest(9, 12).proportion_ci(0.95, method="wilson")
    //   -> (0.46769466506643426, 0.9110583316059453)
    const pairs = [
      [0, 1],
      [0, 3],
      [1, 2],
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [0, 0],
      [1, 1],
      [1, 0],
      [3, 1],
      [2, 0],
    ];
    const x = pairs.map(([a], i) => cell(`r${i % 3}`, `c${i}`, a!));
    const y = pairs.map(([, b], i) => cell(`r${i % 3}`, `c${i}`, b!));
    const r = atLeastAsGood(x, y);
    expect(r).toMatchObject({ pairs: 12, better: 3, ties: 6, worse: 3 });
    expect(r.atLeastAsGood.successes).toBe(9);
    expect(r.atLeastAsGood.lower).toBeCloseTo(0.46769466506643426, 12);
    expect(r.atLeastAsGood.upper).toBeCloseTo(0.9110583316059453, 12);
  });

  it("gives a null share without pairs and rejects levels off the scale", () => {
    const r = atLeastAsGood([cell("a", "1", 0)], [cell("a", "2", 0)]);
    expect(r.atLeastAsGood.estimate).toBeNull();
    expect(r).toMatchObject({ pairs: 0, unpairedX: 1, unpairedY: 1 });
    expect(() => atLeastAsGood([cell("a", "1", 4)], [])).toThrow(RangeError);
    expect(atLeastAsGood([cell("a", "1", 4)], [cell("a", "1", 2)], 5).worse).toBe(1);
  });
});

import { describe, expect, it } from "vitest";
import { groupRates, levelDistribution, readerRates } from "./groups";
import { binarize, STANDARD_SUCCESS, STRINGENT_SUCCESS, type RatingCell } from "./types";

// Wilson bounds: SciPy 1.17, scipy.stats.binomtest(x, n).proportion_ci(0.95, method="wilson").

describe("groupRates", () => {
  const cells = [
    { value: 1, groups: "normal" },
    { value: 1, groups: "normal" },
    { value: 0, groups: "normal" },
    { value: 1, groups: ["abnormal", "effusion", "effusion"] },
    { value: 0, groups: ["abnormal", "nodule"] },
    { value: 1, groups: ["abnormal"] },
    { value: 1, groups: ["abnormal", "effusion"] },
    { value: 1, groups: [] },
  ];

  it("gives each group's rate with a Wilson interval, sorted by label", () => {
    const rates = groupRates(cells);
    expect(rates.map((r) => [r.group, r.successes, r.n])).toEqual([
      ["abnormal", 3, 4],
      ["effusion", 2, 2],
      ["nodule", 0, 1],
      ["normal", 2, 3],
    ]);
    // binomtest(3, 4) -> (0.30064184258240184, 0.9544127391902995)
    expect(rates[0]!.lower).toBeCloseTo(0.30064184258240184, 12);
    expect(rates[0]!.upper).toBeCloseTo(0.9544127391902995, 12);
    // binomtest(2, 3) -> (0.20765960080204782, 0.9385080552796038)
    expect(rates[3]!.lower).toBeCloseTo(0.20765960080204782, 12);
    expect(rates[3]!.upper).toBeCloseTo(0.9385080552796038, 12);
  });

  it("counts a cell once per group even if a tag repeats, and gives nothing for no cells", () => {
    expect(groupRates(cells).find((r) => r.group === "effusion")!.n).toBe(2);
    expect(groupRates([])).toEqual([]);
    expect(() => groupRates([{ value: 0.5, groups: "x" }])).toThrow(RangeError);
  });
});

describe("readerRates", () => {
  const ratings: RatingCell[] = [
    { reader: "R2", caseId: "a", level: 0 },
    { reader: "R2", caseId: "b", level: 3 },
    { reader: "R1", caseId: "a", level: 1 },
    { reader: "R1", caseId: "b", level: 2 },
  ];

  it("gives per-reader rates, and a null rate for a named reader with no ratings", () => {
    const rates = readerRates(binarize(ratings, STANDARD_SUCCESS), ["R1", "R2", "R3"]);
    expect(rates.map((r) => [r.group, r.successes, r.n, r.estimate])).toEqual([
      ["R1", 1, 2, 0.5],
      ["R2", 1, 2, 0.5],
      ["R3", 0, 0, null],
    ]);
    // binomtest(1, 2) -> (0.09453120573423074, 0.9054687942657693)
    expect(rates[0]!.lower).toBeCloseTo(0.09453120573423074, 12);
    expect(rates[2]).toMatchObject({ lower: null, upper: null });
  });
});

describe("levelDistribution", () => {
  it("counts and shares each level", () => {
    const d = levelDistribution([0, 0, 1, 3].map((level) => ({ reader: "r", caseId: "c", level })));
    expect(d).toEqual({ n: 4, counts: [2, 1, 0, 1], shares: [0.5, 0.25, 0, 0.25] });
  });

  it("gives null shares, not NaN, without ratings, and rejects levels off the scale", () => {
    expect(levelDistribution([])).toEqual({
      n: 0,
      counts: [0, 0, 0, 0],
      shares: [null, null, null, null],
    });
    expect(levelDistribution([], 5).counts).toHaveLength(5);
    expect(() => levelDistribution([{ reader: "r", caseId: "c", level: 4 }])).toThrow(RangeError);
  });
});

describe("binarize", () => {
  const cells = [0, 1, 2, 3].map((level) => ({ reader: "r", caseId: `c${level}`, level }));

  it("maps the standard (A or B) and stringent (A) criteria, or any success set", () => {
    expect(binarize(cells, STANDARD_SUCCESS).map((c) => c.value)).toEqual([1, 1, 0, 0]);
    expect(binarize(cells, STRINGENT_SUCCESS).map((c) => c.value)).toEqual([1, 0, 0, 0]);
    expect(binarize(cells, new Set([1, 3])).map((c) => c.value)).toEqual([0, 1, 0, 1]);
    expect(binarize([], STANDARD_SUCCESS)).toEqual([]);
  });

  it("rejects a success set or a level that does not fit the scale", () => {
    expect(() => binarize(cells, [4])).toThrow(RangeError);
    expect(() => binarize(cells, [0], 3)).toThrow(RangeError);
    expect(() => binarize(cells, [0], 1)).toThrow(RangeError);
    expect(() => binarize([{ reader: "r", caseId: "c", level: 0.5 }], [0])).toThrow(RangeError);
  });
});

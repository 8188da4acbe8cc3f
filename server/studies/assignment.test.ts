import { describe, expect, it } from "vitest";
import { orderReadingItems } from "./assignment";

function makeReports(cases: number, perCase = 2) {
  const reports = [];
  for (let c = 0; c < cases; c++) {
    for (let s = 0; s < perCase; s++) reports.push({ reportId: `r${c}-${s}`, caseId: `c${c}` });
  }
  return reports;
}

describe("orderReadingItems", () => {
  it("returns every report exactly once", () => {
    const reports = makeReports(20);
    const order = orderReadingItems(reports, 42);
    expect(order).toHaveLength(40);
    expect(new Set(order)).toEqual(new Set(reports.map((r) => r.reportId)));
  });

  it("never places two reports of one case next to each other, for many seeds and sizes", () => {
    for (let cases = 2; cases <= 12; cases++) {
      for (let perCase = 1; perCase <= 3; perCase++) {
        const reports = makeReports(cases, perCase);
        const caseOf = new Map(reports.map((r) => [r.reportId, r.caseId]));
        for (let seed = 0; seed < 50; seed++) {
          const order = orderReadingItems(reports, seed);
          for (let i = 1; i < order.length; i++) {
            expect(caseOf.get(order[i]!)).not.toBe(caseOf.get(order[i - 1]!));
          }
        }
      }
    }
  });

  it("is reproducible from its seed and differs between seeds", () => {
    const reports = makeReports(10);
    expect(orderReadingItems(reports, 7)).toEqual(orderReadingItems(reports, 7));
    expect(orderReadingItems(reports, 7)).not.toEqual(orderReadingItems(reports, 8));
  });

  it("puts ground truth first about half the time (order carries no hint of source)", () => {
    const reports = makeReports(30);
    let gtFirst = 0;
    let pairs = 0;
    for (let seed = 0; seed < 40; seed++) {
      const order = orderReadingItems(reports, seed);
      for (let c = 0; c < 30; c++) {
        pairs++;
        if (order.indexOf(`r${c}-0`) < order.indexOf(`r${c}-1`)) gtFirst++;
      }
    }
    // 1200 fair coin flips: 0.5 +- 0.05 is over 3 standard deviations (sd = 0.0144).
    expect(gtFirst / pairs).toBeGreaterThan(0.45);
    expect(gtFirst / pairs).toBeLessThan(0.55);
  });

  it("refuses an order that cannot keep one case apart", () => {
    expect(() =>
      orderReadingItems(
        [
          { reportId: "a", caseId: "x" },
          { reportId: "b", caseId: "x" },
        ],
        1,
      ),
    ).toThrow(/keep one image's reports apart/);
  });
});

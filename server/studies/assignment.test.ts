import { describe, expect, it } from "vitest";
import { orderReadingItems, orderWithWashout, splitCases } from "./assignment";

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

describe("wider washouts and split designs", () => {
  const reports = (cases: number, perCase: number) =>
    Array.from({ length: cases * perCase }, (_, i) => ({
      reportId: `r${i}`,
      caseId: `c${Math.floor(i / perCase)}`,
    }));
  const caseOf = (list: ReturnType<typeof reports>) =>
    new Map(list.map((r) => [r.reportId, r.caseId]));

  it("keeps at least W other items between two reports of one image", () => {
    for (const [cases, perCase, washout] of [
      [10, 2, 3],
      [12, 3, 2],
      [30, 2, 10],
    ] as const) {
      const list = reports(cases, perCase);
      const order = orderWithWashout(list, 99, washout);
      expect(new Set(order).size).toBe(list.length);
      const of = caseOf(list);
      const last = new Map<string, number>();
      order.forEach((id, pos) => {
        const c = of.get(id)!;
        if (last.has(c)) expect(pos - last.get(c)! - 1).toBeGreaterThanOrEqual(washout);
        last.set(c, pos);
      });
      // Seeded: the same inputs give the same order.
      expect(orderWithWashout(list, 99, washout)).toEqual(order);
    }
  });

  it("says so when the washout cannot be met", () => {
    // Two cases of two reports: at most one item can sit between a case's reports.
    expect(() => orderWithWashout(reports(2, 2), 1, 2)).toThrow(/choose a smaller washout/);
  });

  it("gives each case to k readers with loads differing by at most one", () => {
    const caseIds = Array.from({ length: 7 }, (_, i) => `case${i}`);
    const readers = ["u1", "u2", "u3"];
    const split = splitCases(caseIds, readers, 2, 5);
    for (const c of caseIds) {
      expect(readers.filter((r) => split.get(r)!.has(c))).toHaveLength(2);
    }
    // 7 cases x 2 readers = 14 assignments over 3 readers: 5, 5 and 4.
    const loads = readers.map((r) => split.get(r)!.size).sort();
    expect(loads).toEqual([4, 5, 5]);
    expect(splitCases(caseIds, readers, 2, 5)).toEqual(split);
    expect(() => splitCases(caseIds, readers, 4, 5)).toThrow(/needs 4 readers/);
  });
});

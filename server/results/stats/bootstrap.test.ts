import { describe, expect, it } from "vitest";
import { createRng, type Rng } from "../../lib/rng";
import { crossedBootstrap, pairedCrossedBootstrap, type ResampleMode } from "./bootstrap";
import { summarizeReplicates } from "./math";
import type { BinaryCell } from "./types";

const pad = (i: number) => String(i).padStart(3, "0");

/** Readers R000.. and cases C000.. (names sort in index order), cells where `keep` says. */
function design(
  readers: number,
  cases: number,
  value: (r: number, c: number) => number,
  keep: (r: number, c: number) => boolean = () => true,
): BinaryCell[] {
  const cells: BinaryCell[] = [];
  for (let r = 0; r < readers; r++) {
    for (let c = 0; c < cases; c++) {
      if (keep(r, c))
        cells.push({ reader: `R${pad(r)}`, caseId: `C${pad(c)}`, value: value(r, c) });
    }
  }
  return cells;
}

/**
 * The pigeonhole bootstrap written out the slow, obvious way (every cell of the resample,
 * weighted by reader and case multiplicities), on the same random stream: readers first, then
 * cases, each replicate.
 */
function naiveBootstrap(
  cells: BinaryCell[],
  seed: number,
  replicates: number,
  mode: ResampleMode = "crossed",
) {
  const readers = [...new Set(cells.map((c) => c.reader))].sort();
  const cases = [...new Set(cells.map((c) => c.caseId))].sort();
  const nr = readers.length;
  const nc = cases.length;
  const value = new Map(cells.map((c) => [`${c.reader}|${c.caseId}`, c.value]));
  const rng = createRng(seed);
  const out = new Float64Array(replicates);
  let defined = 0;
  for (let b = 0; b < replicates; b++) {
    const rw = new Array<number>(nr).fill(0);
    for (let i = 0; i < nr; i++) rw[Math.floor(rng.next() * nr)]!++;
    const cw = new Array<number>(nc).fill(0);
    for (let j = 0; j < nc; j++) cw[Math.floor(rng.next() * nc)]!++;
    let num = 0;
    let den = 0;
    for (let r = 0; r < nr; r++) {
      for (let c = 0; c < nc; c++) {
        const v = value.get(`${readers[r]}|${cases[c]}`);
        if (v === undefined) continue;
        const w = (mode === "cases" ? 1 : rw[r]!) * (mode === "readers" ? 1 : cw[c]!);
        num += w * v;
        den += w;
      }
    }
    if (den > 0) out[defined++] = num / den;
  }
  return summarizeReplicates(0, out, defined, replicates);
}

function randomCells(rng: Rng, readers: number, cases: number, missing: number): BinaryCell[] {
  const readerRate = Array.from({ length: readers }, () => rng.range(0.3, 0.95));
  return design(
    readers,
    cases,
    (r) => (rng.chance(readerRate[r]!) ? 1 : 0),
    () => !rng.chance(missing),
  );
}

describe("crossedBootstrap", () => {
  it.each([
    [3, 25, 0, "crossed"],
    [20, 60, 0, "crossed"],
    [20, 60, 0.2, "crossed"],
    [37, 30, 0.1, "crossed"],
    [12, 40, 0.15, "cases"],
    [12, 40, 0.15, "readers"],
  ] as const)(
    "matches the cell-by-cell definition (%i readers, %i cases, %f missing, %s)",
    (readers, cases, missing, mode) => {
      const cells = randomCells(createRng(readers * 1000 + cases), readers, cases, missing);
      const fast = crossedBootstrap(cells, { seed: 99, replicates: 300, resample: mode });
      const slow = naiveBootstrap(cells, 99, 300, mode);
      expect(fast.lower).toBeCloseTo(slow.lower!, 12);
      expect(fast.upper).toBeCloseTo(slow.upper!, 12);
      expect(fast.se).toBeCloseTo(slow.se!, 12);
      expect(fast.replicates).toBe(slow.replicates);
    },
  );

  it("is reproducible from the seed and independent of input order", () => {
    const cells = randomCells(createRng(1), 8, 50, 0.1);
    const a = crossedBootstrap(cells, { seed: 5, replicates: 500 });
    const b = crossedBootstrap([...cells].reverse(), { seed: 5, replicates: 500 });
    const c = crossedBootstrap(cells, { seed: 6, replicates: 500 });
    expect(b).toEqual(a);
    expect(c.lower).not.toBe(a.lower);
  });

  it("reports the plain rate as the estimate, inside its interval", () => {
    const cells = randomCells(createRng(2), 6, 80, 0.05);
    const r = crossedBootstrap(cells, { seed: 1 });
    const successes = cells.filter((c) => c.value === 1).length;
    expect(r.estimate).toBe(successes / cells.length);
    expect(r.successes).toBe(successes);
    expect(r.cells).toBe(cells.length);
    expect(r.replicates).toBe(2000);
    expect(r.lower!).toBeLessThanOrEqual(r.estimate!);
    expect(r.upper!).toBeGreaterThanOrEqual(r.estimate!);
  });

  it("equals the case-only bootstrap when all readers rate identically", () => {
    // A replicate mean is then sum_c v_c s_c / Nc whatever the reader draws, and both modes
    // consume the same stream, so the two must agree exactly.
    const rng = createRng(3);
    const caseValues = Array.from({ length: 400 }, () => (rng.chance(0.7) ? 1 : 0));
    const cells = design(5, 400, (_, c) => caseValues[c]!);
    const crossed = crossedBootstrap(cells, { seed: 8 });
    const casesOnly = crossedBootstrap(cells, { seed: 8, resample: "cases" });
    expect(crossed).toEqual({ ...casesOnly, resample: "crossed" });
    // Truth for a case bootstrap of a mean of 0/1 values: sd = sqrt(p (1 - p) / Nc).
    const p = crossed.estimate!;
    expect(crossed.se! / Math.sqrt((p * (1 - p)) / 400)).toBeCloseTo(1, 1);
  });

  it("is much wider than a case-only bootstrap when readers differ strongly", () => {
    const rng = createRng(4);
    const rate = (r: number) => (r % 2 === 0 ? 0.2 : 0.9);
    const cells = design(8, 300, (r) => (rng.chance(rate(r)) ? 1 : 0));
    const crossed = crossedBootstrap(cells, { seed: 1 });
    const casesOnly = crossedBootstrap(cells, { seed: 1, resample: "cases" });
    const width = (x: { lower: number | null; upper: number | null }) => x.upper! - x.lower!;
    expect(width(crossed)).toBeGreaterThan(3 * width(casesOnly));
  });

  it("covers the true rate of a crossed design, where a case-only interval does not", () => {
    // p_rc = 0.7 + a_r + b_c with a_r = +-0.15 and b_c = +-0.1 (each sign with probability
    // 1/2), s_rc ~ Bernoulli(p_rc): the population success rate is exactly 0.7.
    const simulations = 300;
    const coverage = { crossed: 0, cases: 0 };
    const widths = { small: 0, large: 0 };
    for (let s = 0; s < simulations; s++) {
      const rng = createRng(1000 + s);
      const simulate = (readers: number, cases: number) => {
        const a = Array.from({ length: readers }, () => (rng.chance(0.5) ? 0.15 : -0.15));
        const b = Array.from({ length: cases }, () => (rng.chance(0.5) ? 0.1 : -0.1));
        return design(readers, cases, (r, c) => (rng.chance(0.7 + a[r]! + b[c]!) ? 1 : 0));
      };
      const cells = simulate(6, 40);
      const crossed = crossedBootstrap(cells, { seed: s, replicates: 400 });
      const cases = crossedBootstrap(cells, { seed: s, replicates: 400, resample: "cases" });
      if (crossed.lower! <= 0.7 && 0.7 <= crossed.upper!) coverage.crossed++;
      if (cases.lower! <= 0.7 && 0.7 <= cases.upper!) coverage.cases++;
      widths.small += crossed.upper! - crossed.lower!;
      if (s < 40) {
        const large = crossedBootstrap(simulate(24, 160), { seed: s, replicates: 400 });
        widths.large += (large.upper! - large.lower!) * (simulations / 40);
      }
    }
    expect(coverage.crossed / simulations).toBeGreaterThan(0.88);
    expect(coverage.cases / simulations).toBeLessThan(0.8);
    // Four times the readers and cases: about half the width (1/sqrt(4)).
    expect(widths.large / widths.small).toBeGreaterThan(0.4);
    expect(widths.large / widths.small).toBeLessThan(0.6);
  });

  describe("edge cases give defined values", () => {
    it("no cells", () => {
      expect(crossedBootstrap([], { seed: 1 })).toEqual({
        estimate: null,
        lower: null,
        upper: null,
        se: null,
        replicates: 0,
        undefinedReplicates: 2000,
        readers: 0,
        cases: 0,
        cells: 0,
        successes: 0,
        resample: "crossed",
      });
    });

    it("one reader: only the cases vary", () => {
      const cells = design(1, 50, (_, c) => (c % 4 === 0 ? 0 : 1));
      const r = crossedBootstrap(cells, { seed: 2 });
      expect(r.estimate).toBe(0.74);
      expect(r.lower!).toBeLessThan(0.74);
      expect(r.upper!).toBeGreaterThan(0.74);
      expect(crossedBootstrap(cells, { seed: 2, resample: "cases" })).toEqual({
        ...r,
        resample: "cases",
      });
    });

    it("one case: only the readers vary", () => {
      const cells = design(10, 1, (r) => (r < 3 ? 0 : 1));
      const r = crossedBootstrap(cells, { seed: 2 });
      expect(r.estimate).toBe(0.7);
      expect(r.se!).toBeGreaterThan(0);
    });

    it("one cell", () => {
      const r = crossedBootstrap([{ reader: "a", caseId: "x", value: 1 }], { seed: 2 });
      expect(r).toMatchObject({ estimate: 1, lower: 1, upper: 1, se: 0, replicates: 2000 });
    });

    it("every rating a success: a degenerate interval at 1", () => {
      const r = crossedBootstrap(
        design(4, 30, () => 1),
        { seed: 2 },
      );
      expect(r).toMatchObject({ estimate: 1, lower: 1, upper: 1, se: 0 });
    });

    it("missing cells: replicates that draw no rated cell are counted, not used", () => {
      // Two readers, each rating a different single case: half of all replicates draw a
      // reader-case combination with no rating at all.
      const cells: BinaryCell[] = [
        { reader: "a", caseId: "x", value: 1 },
        { reader: "b", caseId: "y", value: 0 },
      ];
      const r = crossedBootstrap(cells, { seed: 3, replicates: 1000 });
      expect(r.estimate).toBe(0.5);
      expect(r.replicates + r.undefinedReplicates).toBe(1000);
      expect(r.undefinedReplicates).toBeGreaterThan(0);
      expect(r.lower).toBe(0);
      expect(r.upper).toBe(1);
    });

    it("no replicates requested", () => {
      const r = crossedBootstrap(
        design(2, 2, () => 1),
        { seed: 1, replicates: 0 },
      );
      expect(r).toMatchObject({ estimate: 1, lower: null, upper: null, se: null, replicates: 0 });
    });
  });

  it("rejects non-binary values, duplicate cells and bad replicate counts", () => {
    expect(() => crossedBootstrap([{ reader: "a", caseId: "x", value: 2 }], { seed: 1 })).toThrow(
      RangeError,
    );
    const cell = { reader: "a", caseId: "x", value: 1 };
    expect(() => crossedBootstrap([cell, cell], { seed: 1 })).toThrow(RangeError);
    expect(() => crossedBootstrap([cell], { seed: 1, replicates: -1 })).toThrow(RangeError);
  });
});

describe("pairedCrossedBootstrap", () => {
  const rng = createRng(10);
  const ai = randomCells(rng, 6, 120, 0);
  const gt = ai.map((c) => ({ ...c, value: rng.chance(0.3) ? 1 - c.value : c.value }));

  it("gives each source's rate on the shared resamples and their difference", () => {
    const r = pairedCrossedBootstrap(ai, gt, { seed: 4 });
    expect(r.difference.estimate).toBeCloseTo(r.x.estimate! - r.y.estimate!, 15);
    // Same readers and cases in both sources, so the layout and draws are those of a
    // single-source run with the same seed.
    expect(r.x).toEqual(crossedBootstrap(ai, { seed: 4 }));
    expect(r.y).toEqual(crossedBootstrap(gt, { seed: 4 }));
    expect(r.difference.lower!).toBeLessThanOrEqual(r.difference.estimate!);
    expect(r.difference.upper!).toBeGreaterThanOrEqual(r.difference.estimate!);
  });

  it("matches the cell-by-cell definition of the paired difference", () => {
    const fast = pairedCrossedBootstrap(ai, gt, { seed: 12, replicates: 200 });
    // The difference of two cell means on one resample, computed the slow way.
    const key = (c: BinaryCell) => `${c.reader}|${c.caseId}`;
    const yValue = new Map(gt.map((c) => [key(c), c.value]));
    const diff = ai.map((c) => ({ ...c, value: c.value - yValue.get(key(c))! + 1 }));
    // (x - y + 1) / 2 is a 0..1 score whose mean is (rate x - rate y + 1) / 2 per replicate.
    const slowScaled = naiveHalfScores(diff, 12, 200);
    expect(fast.difference.lower).toBeCloseTo(2 * slowScaled.lower! - 1, 12);
    expect(fast.difference.upper).toBeCloseTo(2 * slowScaled.upper! - 1, 12);
  });

  it("is narrower than the difference of two independent bootstraps when sources agree", () => {
    const paired = pairedCrossedBootstrap(ai, gt, { seed: 4 });
    const x = crossedBootstrap(ai, { seed: 4 });
    const y = crossedBootstrap(gt, { seed: 5 });
    const independentSe = Math.sqrt(x.se! ** 2 + y.se! ** 2);
    expect(paired.difference.se!).toBeLessThan(independentSe);
  });

  it("gives a zero difference for identical sources", () => {
    const r = pairedCrossedBootstrap(ai, ai, { seed: 4 });
    expect(r.difference).toMatchObject({ estimate: 0, lower: 0, upper: 0, se: 0 });
  });

  it("handles a reader who rated only one source, and empty sources", () => {
    const extra = [...gt, { reader: "Z-only-gt", caseId: "C000", value: 1 }];
    const r = pairedCrossedBootstrap(ai, extra, { seed: 4, replicates: 300 });
    expect(r.x.readers).toBe(6);
    expect(r.y.readers).toBe(7);
    expect(r.difference.replicates).toBe(300);

    const empty = pairedCrossedBootstrap([], [], { seed: 1 });
    expect(empty.difference).toMatchObject({ estimate: null, lower: null, se: null });
    const oneEmpty = pairedCrossedBootstrap(ai, [], { seed: 1, replicates: 50 });
    expect(oneEmpty.x.estimate).not.toBeNull();
    expect(oneEmpty.y.estimate).toBeNull();
    expect(oneEmpty.difference).toMatchObject({ estimate: null, lower: null, replicates: 0 });
  });
});

/** naiveBootstrap of cells whose value is 0, 1 or 2, halved: a 0..1 score. */
function naiveHalfScores(cells: BinaryCell[], seed: number, replicates: number) {
  const readers = [...new Set(cells.map((c) => c.reader))].sort();
  const cases = [...new Set(cells.map((c) => c.caseId))].sort();
  const value = new Map(cells.map((c) => [`${c.reader}|${c.caseId}`, c.value / 2]));
  const rng = createRng(seed);
  const out = new Float64Array(replicates);
  for (let b = 0; b < replicates; b++) {
    const rw = new Array<number>(readers.length).fill(0);
    for (let i = 0; i < readers.length; i++) rw[Math.floor(rng.next() * readers.length)]!++;
    const cw = new Array<number>(cases.length).fill(0);
    for (let j = 0; j < cases.length; j++) cw[Math.floor(rng.next() * cases.length)]!++;
    let num = 0;
    let den = 0;
    readers.forEach((r, i) =>
      cases.forEach((c, j) => {
        const v = value.get(`${r}|${c}`);
        if (v === undefined) return;
        num += rw[i]! * cw[j]! * v;
        den += rw[i]! * cw[j]!;
      }),
    );
    out[b] = num / den;
  }
  return summarizeReplicates(0, out, replicates, replicates);
}

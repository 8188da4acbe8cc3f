import { describe, expect, it } from "vitest";
import {
  findingTags,
  isNormal,
  NORMAL_FINDINGS,
  randomFindings,
  type Findings,
  type Side,
} from "./findings";
import { writeRadiologyReport } from "./reports";
import { createRng, deriveSeed } from "../lib/rng";

const f = (over: Partial<Findings>): Findings => ({ ...NORMAL_FINDINGS, ...over });

const CASES: Findings[] = [
  NORMAL_FINDINGS,
  f({ cardiomegaly: true }),
  f({ effusion: "right" }),
  f({ effusion: "left" }),
  f({ effusion: "bilateral" }),
  f({ pneumothorax: "right" }),
  f({ pneumothorax: "left" }),
  f({ consolidation: "right" }),
  f({ consolidation: "left" }),
  f({ cardiomegaly: true, effusion: "bilateral" }),
  f({ consolidation: "left", effusion: "left" }),
  f({ pneumothorax: "right", consolidation: "left", effusion: "right", cardiomegaly: true }),
];

const KEYWORDS = {
  cardiomegaly: /\b(heart|cardiac|cardiomegaly|cardiothoracic|cardiomediastinal)\b/i,
  effusion: /\b(effusions?|costophrenic|fluid)\b/i,
  pneumothorax: /\b(pneumothorax|pneumothoraces|pleural line)\b/i,
  consolidation: /\b(consolidation|airspace|opacity|opacification)\b/i,
};
const NEGATION = /\b(no|not|without|normal|clear|sharp|unremarkable)\b/i;

/** Sentences of the report, section headers and list numbers stripped. */
function sentences(report: string): string[] {
  return report
    .replace(/^(Findings|Impression):/gm, "")
    .split(/(?<=\.)\s+|\n+/)
    .map((s) => s.replace(/^\d+\.\s*/, "").trim())
    .filter((s) => s.length > 1);
}

/** Sentences that assert a finding (mention it without negating it). */
function assertions(report: string, finding: keyof typeof KEYWORDS): string[] {
  return sentences(report).filter((s) => KEYWORDS[finding].test(s) && !NEGATION.test(s));
}

function sidesOf(sentence: string): Set<Side> {
  const out = new Set<Side>();
  if (/\b(bilateral|both)\b/i.test(sentence)) return new Set<Side>(["left", "right"]);
  if (/\bright\b/i.test(sentence)) out.add("right");
  if (/\bleft\b/i.test(sentence)) out.add("left");
  return out;
}

const expectedSides = (v: Side | "bilateral"): Side[] =>
  v === "bilateral" ? ["left", "right"] : [v];

describe("writeRadiologyReport", () => {
  it("has Findings and Impression sections and is deterministic for an rng seed", () => {
    for (const [i, findings] of CASES.entries()) {
      const a = writeRadiologyReport(findings, createRng(i));
      expect(a).toMatch(/^Findings: \S/);
      expect(a).toMatch(/\n\nImpression:\s*\S/);
      expect(writeRadiologyReport(findings, createRng(i))).toBe(a);
    }
  });

  it("mentions every present finding, on the right side", () => {
    for (const [i, findings] of CASES.entries()) {
      for (let seed = 0; seed < 40; seed++) {
        const report = writeRadiologyReport(findings, createRng(deriveSeed(seed, `case${i}`)));
        const lateral = {
          effusion: findings.effusion,
          pneumothorax: findings.pneumothorax,
          consolidation: findings.consolidation,
        };
        for (const [finding, value] of Object.entries(lateral) as [
          keyof typeof lateral,
          Side | "bilateral" | null,
        ][]) {
          if (value === null) continue;
          const said = assertions(report, finding);
          expect(said.length, `${finding} missing in:\n${report}`).toBeGreaterThan(0);
          for (const sentence of said) {
            // Sentences that name a side must name the finding's side(s) and no other.
            const sides = sidesOf(sentence);
            if (sides.size === 0) continue;
            expect([...sides].sort(), sentence).toEqual(expectedSides(value).sort());
          }
          // At least one statement places the finding.
          expect(
            said.some((s) => sidesOf(s).size > 0),
            report,
          ).toBe(true);
        }
        if (findings.cardiomegaly) {
          expect(assertions(report, "cardiomegaly").length, report).toBeGreaterThan(0);
        }
      }
    }
  });

  it("never asserts a finding that is absent", () => {
    for (const [i, findings] of CASES.entries()) {
      for (let seed = 0; seed < 40; seed++) {
        const report = writeRadiologyReport(findings, createRng(deriveSeed(seed, `absent${i}`)));
        if (!findings.cardiomegaly) expect(assertions(report, "cardiomegaly"), report).toEqual([]);
        if (!findings.effusion) expect(assertions(report, "effusion"), report).toEqual([]);
        if (!findings.pneumothorax) expect(assertions(report, "pneumothorax"), report).toEqual([]);
        if (!findings.consolidation) {
          expect(assertions(report, "consolidation"), report).toEqual([]);
        }
      }
    }
  });

  it("writes normal reports for normal cases", () => {
    for (let seed = 0; seed < 40; seed++) {
      const report = writeRadiologyReport(NORMAL_FINDINGS, createRng(seed));
      const impression = report.split("Impression:")[1] ?? "";
      expect(impression).toMatch(/^\s*(No acute|Normal|No radiographic evidence)/);
      expect(impression).not.toMatch(/^\s*\d\./m);
      for (const finding of Object.keys(KEYWORDS) as (keyof typeof KEYWORDS)[]) {
        expect(assertions(report, finding), report).toEqual([]);
      }
    }
  });

  it("varies its phrasing across seeds", () => {
    for (const findings of [NORMAL_FINDINGS, f({ effusion: "left" }), f({ cardiomegaly: true })]) {
      const texts = new Set(
        Array.from({ length: 30 }, (_, seed) => writeRadiologyReport(findings, createRng(seed))),
      );
      expect(texts.size).toBeGreaterThanOrEqual(15);
    }
    const impressions = new Set(
      Array.from(
        { length: 30 },
        (_, seed) => writeRadiologyReport(NORMAL_FINDINGS, createRng(seed)).split("Impression:")[1],
      ),
    );
    expect(impressions.size).toBeGreaterThanOrEqual(3);
  });
});

describe("findings helpers", () => {
  it("tags and classifies findings", () => {
    expect(isNormal(NORMAL_FINDINGS)).toBe(true);
    expect(findingTags(NORMAL_FINDINGS)).toEqual([]);
    const all = f({
      cardiomegaly: true,
      effusion: "left",
      pneumothorax: "right",
      consolidation: "left",
    });
    expect(isNormal(all)).toBe(false);
    expect(findingTags(all)).toEqual([
      "cardiomegaly",
      "pleural_effusion",
      "pneumothorax",
      "consolidation",
    ]);
  });

  it("draws plausible mixes: the requested abnormal share, mostly single findings", () => {
    const rng = createRng(99);
    const draws = Array.from({ length: 2000 }, () => randomFindings(rng, 0.6));
    const abnormal = draws.filter((d) => !isNormal(d));
    expect(abnormal.length / draws.length).toBeGreaterThan(0.55);
    expect(abnormal.length / draws.length).toBeLessThan(0.65);
    const single = abnormal.filter((d) => findingTags(d).length === 1).length;
    expect(single / abnormal.length).toBeGreaterThan(0.7);
    for (const tag of ["cardiomegaly", "pleural_effusion", "pneumothorax", "consolidation"]) {
      expect(abnormal.some((d) => findingTags(d).includes(tag))).toBe(true);
    }
    expect(randomFindings(createRng(1), 0)).toEqual(NORMAL_FINDINGS);
  });
});

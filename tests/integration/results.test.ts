import { describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { registerModel } from "@/server/models/mutations";
import { db, makeUser, openedStudy, readAll } from "./helpers";

const as = (userId: string) => createCaller(createInnerContext({ userId }));

/** Rates every item of every reader by `levelFor(readerIndex, source)`. */
async function rateAll(
  study: Awaited<ReturnType<typeof openedStudy>>,
  levelFor: (reader: number, modelId: string | null) => "A" | "B" | "C" | "D",
) {
  for (const [index, reader] of study.readers.entries()) {
    const { items } = await readAll(reader.id);
    const rows = await db().readingItem.findMany({
      where: { token: { in: items.map((i) => i.itemToken) } },
      select: { token: true, report: { select: { modelId: true } } },
    });
    const modelOf = new Map(rows.map((r) => [r.token, r.report.modelId]));
    for (const item of items) {
      await as(reader.id).reading.rate({
        itemToken: item.itemToken,
        level: levelFor(index, modelOf.get(item.itemToken)!),
      });
    }
  }
}

describe("study results", () => {
  it("compares AI with the ground truth on paired cells, matching hand-worked values", async () => {
    // 2 readers x 3 cases. Ground truth: all A. AI: reader 1 rates D, reader 2 rates A.
    const study = await openedStudy(2, 3);
    await rateAll(study, (reader, modelId) => (modelId === null ? "A" : reader === 0 ? "D" : "A"));
    const admin = await makeUser("ADMIN");
    const r = await as(admin.id).results.get({ id: study.studyId });
    const [gt, ai] = r.sources;
    expect(gt!.success.estimate).toBe(1);
    expect(ai!.success.estimate).toBe(0.5);
    const [c] = r.comparisons;
    expect(r.comparisons).toHaveLength(1);
    expect(c!.pairs).toBe(6);
    expect(c!.difference.estimate).toBeCloseTo(-0.5, 10);
    // McNemar: 3 cells where only the ground truth succeeded, none the other way:
    // exact two-sided p = 2 * 0.5^3 = 0.25.
    expect(c!.mcnemar).toMatchObject({ sourceOnly: 0, versusOnly: 3 });
    expect(c!.mcnemar.pValue).toBeCloseTo(0.25, 12);
    // Cochran's Q with k = 2 is (b - c)^2 / (b + c) = 9 / 3 = 3; chi-square(1) tail at 3 is
    // 0.08326 (scipy.stats.chi2.sf(3, 1)).
    expect(c!.cochranQ.statistic).toBeCloseTo(3, 10);
    expect(c!.cochranQ.pValue).toBeCloseTo(0.08326, 4);
    // Reader 2's 3 cells tie (A, A); reader 1's 3 are worse: 3 of 6 at least as good.
    expect(c!.atLeastAsGood).toMatchObject({ successes: 3, n: 6, estimate: 0.5 });
    // Per reader: reader 1 rated the AI 0/3, reader 2 3/3.
    expect(ai!.perReader.map((p) => p.success.estimate).sort()).toEqual([0, 1]);
    // Readers disagree completely on the AI reports: D against A on every case.
    expect(ai!.agreement.rawAgreement.estimate).toBe(0);
    expect(r.bootstrap).toMatchObject({ replicates: 2000 });
  });

  it("refuses to open a study whose only case would put its two reports side by side", async () => {
    await expect(openedStudy(1, 1)).rejects.toThrow(/at least two cases/);
  });

  it("compares models with each other when a study has several", async () => {
    const study = await openedStudy(1, 2);
    const second = await registerModel(db(), {
      name: "second-model",
      version: "2.0",
      sha256: "1".repeat(64),
      path: "none",
      isDemo: false,
    });
    await db().studyModel.create({ data: { studyId: study.studyId, modelId: second.id } });
    const admin = await makeUser("ADMIN");
    const r = await as(admin.id).results.get({ id: study.studyId, replicates: 50 });
    expect(r.sources.map((s) => s.source)).toEqual(["GROUND_TRUTH", "AI", "AI"]);
    expect(r.comparisons.map((c) => [c.label, c.versus])).toEqual([
      [r.sources[1]!.label, r.sources[0]!.label],
      [r.sources[2]!.label, r.sources[0]!.label],
      [r.sources[1]!.label, r.sources[2]!.label],
    ]);
  });

  it("gives defined results for one reader, every rating A, and no bootstrap", async () => {
    // The smallest study that can open: two cases (one case's two reports would be adjacent).
    const study = await openedStudy(1, 2);
    await rateAll(study, () => "A");
    const admin = await makeUser("ADMIN");
    const r = await as(admin.id).results.get({ id: study.studyId, replicates: 0 });
    const json = JSON.stringify(r);
    expect(json).not.toMatch(/NaN|Infinity/);
    for (const s of r.sources) {
      expect(s.success).toMatchObject({ successes: 2, n: 2, estimate: 1 });
      expect(s.successCrossed).toMatchObject({
        estimate: 1,
        lower: null,
        upper: null,
        replicates: 0,
      });
      // One reader: MRMC variance cannot be estimated, and says so.
      expect(s.successMrmc.variance).toBeNull();
      expect(s.successMrmc.note).toEqual(expect.any(String));
      // One rater: no agreement to measure.
      expect(s.agreement.fleissKappa.estimate).toBeNull();
      expect(s.readerPairs).toEqual([]);
    }
  });

  it("counts success with the study's own success levels, and groups cases by site", async () => {
    // Success = A, B or C for this study; sites alternate north/south over 4 cases.
    const study = await openedStudy(1, 4, {
      successLevels: ["A", "B", "C"],
      siteOf: (i) => (i % 2 === 0 ? "north" : "south"),
    });
    await rateAll(study, (_reader, modelId) => (modelId === null ? "C" : "D"));
    const admin = await makeUser("ADMIN");
    const r = await as(admin.id).results.get({ id: study.studyId, replicates: 0 });
    expect(r.scale).toEqual({ success: ["A", "B", "C"], stringent: ["A"] });
    expect(r.sources[0]!.success).toMatchObject({ successes: 4, n: 4 }); // C counts here
    expect(r.sources[1]!.success).toMatchObject({ successes: 0, n: 4 });
    const sites = r.sources[0]!.groups.filter((g) => g.group.startsWith("site:"));
    expect(sites.map((g) => [g.group, g.n])).toEqual([
      ["site:north", 2],
      ["site:south", 2],
    ]);
    const { exportStudy } = await import("@/server/exports/mutations");
    const csv = await exportStudy(
      db(),
      { studyId: study.studyId, format: "jsonl" },
      { actor: "test", channel: "cli" },
    );
    const rows = (await csv.stream.toArray())
      .join("")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(
      rows.filter((row) => row.source === "ground_truth").every((row) => row.success === 1),
    ).toBe(true);
    expect(rows.filter((row) => row.source === "ai").every((row) => row.success === 0)).toBe(true);
  });
});

describe("results cache", () => {
  it("answers from the cache until a rating changes", async () => {
    const { getCachedStudyResults } = await import("@/server/results/cache");
    const study = await openedStudy(1, 2);
    const first = await getCachedStudyResults(db(), study.studyId, { replicates: 10 });
    expect(await getCachedStudyResults(db(), study.studyId, { replicates: 10 })).toBe(first);
    const { items } = await readAll(study.readers[0]!.id);
    await as(study.readers[0]!.id).reading.rate({ itemToken: items[0]!.itemToken, level: "B" });
    const second = await getCachedStudyResults(db(), study.studyId, { replicates: 10 });
    expect(second).not.toBe(first);
    expect(second.totalRatings).toBe(first.totalRatings + 1);
    await as(study.readers[0]!.id).reading.rate({ itemToken: items[0]!.itemToken, level: "D" });
    const third = await getCachedStudyResults(db(), study.studyId, { replicates: 10 });
    expect(third.totalRatings).toBe(second.totalRatings);
    expect(third.sources.reduce((n, s) => n + s.counts.D, 0)).toBe(1);
  });
});

describe("per-source crossed intervals", () => {
  it("equal each source's own bootstrap, also when a model lacks some cases", async () => {
    const { loadStudyRatings } = await import("@/server/results/ratings");
    const { crossedBootstrap } = await import("@/server/results/stats");
    const study = await openedStudy(2, 4);
    await rateAll(study, (reader, modelId) =>
      modelId === null ? (reader === 0 ? "A" : "C") : reader === 0 ? "B" : "D",
    );
    // The model's ratings of one case disappear, as if its report had failed.
    const caseRow = await db().case.findFirstOrThrow({
      where: { studyId: study.studyId, externalId: "CASE-1" },
    });
    await db().rating.deleteMany({
      where: { item: { report: { caseId: caseRow.id, source: "AI" } } },
    });
    const admin = await makeUser("ADMIN");
    const r = await as(admin.id).results.get({ id: study.studyId, replicates: 500 });
    const data = await loadStudyRatings(db(), study.studyId);
    for (const s of [0, 1]) {
      const cells = [];
      for (let i = 0; i < data.level.length; i++) {
        if (data.source[i] !== s) continue;
        cells.push({
          reader: data.readers[data.reader[i]!]!.pseudonym,
          caseId: data.cases[data.caseIndex[i]!]!.externalId,
          value: data.level[i]! <= 1 ? 1 : 0,
        });
      }
      const own = crossedBootstrap(cells, { seed: r.bootstrap.seed, replicates: 500 });
      expect([r.sources[s]!.successCrossed.lower, r.sources[s]!.successCrossed.upper]).toEqual([
        own.lower,
        own.upper,
      ]);
    }
  });
});

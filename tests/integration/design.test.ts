import { describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { db, makeUser, openedStudy, readAll } from "./helpers";

const as = (userId: string) => createCaller(createInnerContext({ userId }));

describe("study designs", () => {
  it("splits cases over readers, k readers a case, each reading all of its reports", async () => {
    const study = await openedStudy(4, 6, { design: { type: "split", readersPerCase: 2 } });
    const readersOfCase = new Map<string, Set<string>>();
    for (const reader of study.readers) {
      const { items } = await readAll(reader.id);
      const rows = await db().readingItem.findMany({
        where: { token: { in: items.map((i) => i.itemToken) } },
        select: { report: { select: { caseId: true } } },
      });
      const cases = new Set(rows.map((r) => r.report.caseId));
      // All reports of each of the reader's cases: 2 sources per case.
      expect(items.length).toBe(cases.size * 2);
      // 6 cases x 2 readers over 4 readers: 3 cases each.
      expect(cases.size).toBe(3);
      for (const c of cases)
        readersOfCase.set(c, new Set([...(readersOfCase.get(c) ?? []), reader.id]));
    }
    expect(readersOfCase.size).toBe(6);
    for (const readers of readersOfCase.values()) expect(readers.size).toBe(2);

    // Results handle the missing (reader, case) cells of a split design.
    for (const reader of study.readers) {
      const { items } = await readAll(reader.id);
      for (const item of items)
        await as(reader.id).reading.rate({ itemToken: item.itemToken, level: "B" });
    }
    const admin = await makeUser("ADMIN");
    const results = await as(admin.id).results.get({ id: study.studyId, replicates: 200 });
    // Every report rated by its 2 readers: 6 cases x 2 readers per source, all B (success).
    expect(results.sources.map((s) => [s.counts.B, s.success.estimate])).toEqual([
      [12, 1],
      [12, 1],
    ]);
  });

  it("keeps one image's reports the chosen number of items apart", async () => {
    const study = await openedStudy(1, 8, { design: { washoutItems: 4 } });
    const { items } = await readAll(study.readers[0]!.id);
    const rows = await db().readingItem.findMany({
      where: { token: { in: items.map((i) => i.itemToken) } },
      select: { position: true, report: { select: { caseId: true } } },
    });
    const positions = new Map<string, number[]>();
    for (const r of rows)
      positions.set(r.report.caseId, [...(positions.get(r.report.caseId) ?? []), r.position]);
    for (const [a, b] of positions.values())
      expect(Math.abs(a! - b!) - 1).toBeGreaterThanOrEqual(4);
  });

  it("applies the scale, the optional fields and the no-going-back rule on the server", async () => {
    const scale = [
      { level: "A" as const, label: "Fine", anchor: "Sign as is." },
      { level: "B" as const, label: "Fixable", anchor: "Small edits." },
      { level: "C" as const, label: "Wrong", anchor: "Rewrite." },
    ];
    const study = await openedStudy(1, 3, {
      successLevels: ["A", "B"],
      design: { scale, allowGoBack: false, comments: false, errorFlags: true },
    });
    const reader = study.readers[0]!;
    const [list] = await as(reader.id).reading.list();
    const first = await as(reader.id).reading.get({ studyToken: list!.studyToken });
    expect(first.scale.map((s) => [s.level, s.label, s.key])).toEqual([
      ["A", "Fine", "1"],
      ["B", "Fixable", "2"],
      ["C", "Wrong", "3"],
    ]);
    expect(first).toMatchObject({ canGoBack: false, fields: { comment: false, flags: true } });
    const rate = (level: "A" | "B" | "C" | "D", extra = {}) =>
      as(reader.id).reading.rate({ itemToken: first.itemToken, level, ...extra });
    // Read in order: no skipping ahead past the next item (which the page fetches ahead).
    await expect(
      as(reader.id).reading.get({ studyToken: list!.studyToken, position: 3 }),
    ).rejects.toThrow(/read in order/);
    const second = await as(reader.id).reading.get({ studyToken: list!.studyToken, position: 2 });
    await expect(
      as(reader.id).reading.rate({ itemToken: second.itemToken, level: "A" }),
    ).rejects.toThrow(/rate the earlier items first/);
    await expect(rate("D")).rejects.toThrow(/one of A, B, C/);
    await expect(rate("A", { comment: "no" })).rejects.toThrow(/does not take comments/);
    await rate("A", { flags: ["omission"] });
    // Saving the same again is harmless; changing it is not allowed in this design.
    await rate("A");
    await expect(rate("B")).rejects.toThrow(/does not let readers change/);
    await as(reader.id).reading.get({ studyToken: list!.studyToken, position: 2 });
    await as(reader.id).reading.rate({
      itemToken: (await as(reader.id).reading.get({ studyToken: list!.studyToken, position: 2 }))
        .itemToken,
      level: "C",
    });
    await expect(
      as(reader.id).reading.get({ studyToken: list!.studyToken, position: 1 }),
    ).rejects.toThrow(/does not let readers go back/);
  });

  it("fixes the design once the study opens, and keeps success levels on the scale", async () => {
    const study = await openedStudy(1, 2);
    const admin = await makeUser("ADMIN");
    const update = {
      id: study.studyId,
      design: { type: "crossed" as const, washoutItems: 2 },
      successLevels: ["A" as const],
      stringentLevels: ["A" as const],
    };
    await expect(as(admin.id).studies.updateDesign(update)).rejects.toThrow(
      /fixed once the study opens/,
    );
    await expect(
      as(admin.id).studies.create({
        name: "Two-level study",
        readerIds: [study.readers[0]!.id],
        successLevels: ["A", "C"],
        design: {
          scale: [
            { level: "A", label: "Yes", anchor: "" },
            { level: "B", label: "No", anchor: "" },
          ],
        },
      }),
    ).rejects.toThrow(/Success levels C are not on the study's scale/);
    const created = await as(admin.id).studies.create({
      name: "Draft to edit",
      readerIds: [study.readers[0]!.id],
    });
    await as(admin.id).studies.updateDesign({ ...update, id: created.id });
    expect((await as(admin.id).studies.get({ id: created.id })).design.washoutItems).toBe(2);
  });
});

describe("reading in sessions days apart", () => {
  it("puts one image's reports in different sessions and opens the next one D days after the first is complete", async () => {
    const study = await openedStudy(1, 3, { design: { washoutDays: 7 } });
    const reader = study.readers[0]!;
    const rows = await db().readingItem.findMany({
      where: { studyId: study.studyId },
      orderBy: { position: "asc" },
      select: { token: true, session: true, report: { select: { caseId: true } } },
    });
    // 3 cases x 2 reports: positions 1-3 are session 1, 4-6 session 2, one report of each case in each.
    expect(rows.map((r) => r.session)).toEqual([1, 1, 1, 2, 2, 2]);
    for (const session of [1, 2]) {
      expect(
        new Set(rows.filter((r) => r.session === session).map((r) => r.report.caseId)).size,
      ).toBe(3);
    }
    const [list] = await as(reader.id).reading.list();
    const studyToken = list!.studyToken;
    await expect(as(reader.id).reading.get({ studyToken, position: 4 })).rejects.toThrow(
      /opens after session 1 is complete \(3 items left/,
    );
    for (const row of rows.slice(0, 3)) {
      await as(reader.id).reading.rate({ itemToken: row.token, level: "A" });
    }
    await expect(as(reader.id).reading.get({ studyToken })).rejects.toThrow(
      /Session 2 opens on .* 7 days after/,
    );
    await expect(
      as(reader.id).reading.rate({ itemToken: rows[3]!.token, level: "A" }),
    ).rejects.toThrow(/Session 2 opens on/);
    // A week later (the session's ratings are moved back 8 days), session 2 is open.
    await db().rating.updateMany({
      where: { item: { studyId: study.studyId } },
      data: { createdAt: new Date(Date.now() - 8 * 24 * 3600 * 1000) },
    });
    const next = await as(reader.id).reading.get({ studyToken });
    expect(next.position).toBe(4);
    await as(reader.id).reading.rate({ itemToken: next.itemToken, level: "B" });
  });
});

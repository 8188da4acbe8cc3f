import { describe, expect, it } from "vitest";
import { authenticateWithPassword } from "@/server/auth/mutations";
import { DEMO_STUDY_NAME, DEMO_USERS, seedDemo } from "@/server/demo/seed";
import { DEMO_MODEL_DIR, db } from "./helpers";

describe("demo seed", () => {
  it("creates the demo once, and replaces a partial one left by an interrupted start", async () => {
    const opts = { cases: 3, modelDir: DEMO_MODEL_DIR, includeCorruptCase: true };
    const first = await seedDemo(db(), opts);
    expect(first.created).toBe(true);
    expect(first.generationJobIds).toHaveLength(4); // 3 cases + the corrupt one, one model

    const study = await db().study.findFirstOrThrow({
      where: { name: DEMO_STUDY_NAME },
      select: {
        id: true,
        openWhenReady: true,
        readers: true,
        cases: { select: { externalId: true, reports: { select: { source: true, text: true } } } },
      },
    });
    expect(study.openWhenReady).toBe(true);
    expect(study.readers).toHaveLength(3);
    expect(study.cases).toHaveLength(4);
    for (const c of study.cases) {
      expect(c.reports).toHaveLength(1);
      expect(c.reports[0]).toMatchObject({ source: "GROUND_TRUTH" });
      expect(c.reports[0]!.text).toMatch(/Findings:[\s\S]+Impression:/);
    }
    await expect(authenticateWithPassword(db(), DEMO_USERS.admin)).resolves.toMatchObject({
      role: "ADMIN",
    });
    await expect(authenticateWithPassword(db(), DEMO_USERS.readers[2])).resolves.toMatchObject({
      role: "READER",
    });

    expect((await seedDemo(db(), opts)).created).toBe(false);

    // An interrupted first start: the study exists with fewer cases than it should have.
    await db().case.deleteMany({ where: { studyId: study.id, externalId: "DEMO-004" } });
    const again = await seedDemo(db(), opts);
    expect(again.created).toBe(true);
    const studies = await db().study.findMany({
      where: { name: DEMO_STUDY_NAME },
      select: { _count: { select: { cases: true } } },
    });
    expect(studies).toEqual([{ _count: { cases: 4 } }]);
    expect(await db().user.count({ where: { email: DEMO_USERS.admin.email } })).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";
import { generateReportJob } from "@/server/jobs/definitions";
import { openStudy } from "@/server/studies/mutations";
import { runGenerateReportBatch, type ServedModel } from "@/workers/generate-report";
import { loadClassifierModel } from "@/workers/models/classifier";
import { DEMO_MODEL_DIR, db, makeStudy, makeUser, queuedJobs, registerDemoModel } from "./helpers";

let served: ServedModel;
beforeAll(async () => {
  const model = await loadClassifierModel(DEMO_MODEL_DIR, { preferCuda: false });
  served = { id: (await registerDemoModel()).id, model, worker: "test:1" };
});
afterAll(() => served.model.close());

describe("report generation, as the admin sees it", () => {
  it("counts jobs per model, lists failures with reasons, and retries them before the study opens", async () => {
    const reader = await makeUser("READER");
    const admin = await makeUser("ADMIN");
    const study = await makeStudy({
      readerIds: [reader.id],
      cases: [{}, { imageBytes: Buffer.from("not an image") }, {}, {}],
    });
    const caller = createCaller(createInnerContext({ userId: admin.id }));
    const before = await caller.jobs.progress({ id: study.studyId });
    expect(before).toMatchObject([
      { queued: 4, running: 0, succeeded: 0, failed: 0, secondsLeft: null },
    ]);

    const jobs = queuedJobs(study.generationJobIds);
    await runGenerateReportBatch(db(), served, jobs, () => undefined);
    const [after] = await caller.jobs.progress({ id: study.studyId });
    expect(after).toMatchObject({ queued: 0, running: 0, succeeded: 3, failed: 1 });
    expect(after!.failures).toEqual([
      expect.objectContaining({
        caseId: "CASE-2",
        attempts: 1,
        reason: expect.stringMatching(/could not be decoded/),
      }),
    ]);
    const claimed = await db().generationJob.findMany({
      where: { id: { in: study.generationJobIds } },
    });
    expect(claimed.every((j) => j.worker === "test:1")).toBe(true);

    await expect(caller.jobs.retryFailed({ id: study.studyId })).resolves.toEqual({ requeued: 1 });
    const [retried] = await caller.jobs.progress({ id: study.studyId });
    expect(retried).toMatchObject({ queued: 1, failed: 0 });
    const failedId = claimed.find((j) => j.status === "FAILED")!.id;
    const sent = await db().$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM pgboss.job WHERE name = ${generateReportJob.queueFor(served.id)} AND singleton_key = ${failedId}`;
    expect(Number(sent[0]!.n)).toBe(1);

    // Once readers' lists exist, a late report would never be read: retrying is refused.
    await runGenerateReportBatch(db(), served, jobs, () => undefined);
    await openStudy(db(), study.studyId);
    await expect(caller.jobs.retryFailed({ id: study.studyId })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("is for admins only", async () => {
    const reader = await makeUser("READER");
    const study = await makeStudy({ readerIds: [reader.id], cases: [{}] });
    const caller = createCaller(createInnerContext({ userId: reader.id }));
    await expect(caller.jobs.progress({ id: study.studyId })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(caller.jobs.retryFailed({ id: study.studyId })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });
});

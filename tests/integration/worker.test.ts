import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateReportJob } from "@/server/jobs/definitions";
import { recoverGenerationJobs } from "@/server/jobs/mutations";
import { enqueueReportGeneration, startQueue } from "@/server/jobs/queue";
import { getStudyDetail } from "@/server/studies/data";
import { runGenerateReportBatch, type ServedModel } from "@/workers/generate-report";
import { loadClassifierModel } from "@/workers/models/classifier";
import { DEMO_MODEL_DIR, db, makeStudy, makeUser, queuedJobs, registerDemoModel } from "./helpers";

let served: ServedModel;
const logs: string[] = [];
const log = (line: string) => logs.push(line);

beforeAll(async () => {
  const model = await loadClassifierModel(DEMO_MODEL_DIR, { preferCuda: false, log });
  const registered = await registerDemoModel();
  served = { id: registered.id, model, parameters: registered.parameters ?? {} };
});
afterAll(() => served.model.close());

describe("report generation worker", () => {
  it("writes one AI report per case with real inference, records the provider, and opens the study", async () => {
    const reader = await makeUser("READER");
    const study = await makeStudy({
      readerIds: [reader.id],
      cases: [
        {
          findings: { cardiomegaly: true, effusion: null, pneumothorax: null, consolidation: null },
        },
        {},
        {
          findings: {
            cardiomegaly: false,
            effusion: "left",
            pneumothorax: null,
            consolidation: null,
          },
        },
      ],
      openWhenReady: true,
    });
    await runGenerateReportBatch(db(), served, queuedJobs(study.generationJobIds), log);

    const reports = await db().report.findMany({
      where: { case: { studyId: study.studyId }, source: "AI" },
      select: { text: true, provider: true, modelId: true, generationMs: true, parameters: true },
    });
    expect(reports).toHaveLength(3);
    for (const r of reports) {
      expect(r.provider).toBe("cpu"); // no CUDA provider on this machine
      expect(r.parameters).toEqual(served.parameters);
      // The demo model's parameters are its seven per-finding thresholds (model.json).
      expect(Object.keys((r.parameters as { thresholds: object }).thresholds)).toHaveLength(7);
      expect(r.modelId).toBe(served.id);
      expect(r.text).toMatch(/Findings:[\s\S]+Impression:/);
      expect(r.generationMs).toBeGreaterThanOrEqual(0);
    }
    const jobs = await db().generationJob.findMany({ where: { case: { studyId: study.studyId } } });
    expect(jobs.map((j) => j.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    const opened = await db().study.findUniqueOrThrow({ where: { id: study.studyId } });
    expect(opened.status).toBe("OPEN");
    // One reader, three cases with two reports each.
    expect(await db().readingItem.count({ where: { studyId: study.studyId } })).toBe(6);
  });

  it("changes nothing when a job for an existing report runs again", async () => {
    const reader = await makeUser("READER");
    const study = await makeStudy({ readerIds: [reader.id], cases: [{}] });
    const payloads = queuedJobs(study.generationJobIds);
    await runGenerateReportBatch(db(), served, payloads, log);
    const before = await db().report.findMany({
      where: { case: { studyId: study.studyId } },
      orderBy: { id: "asc" },
    });

    // A redelivered job: its state is set back as a crashed worker would leave it.
    await db().generationJob.updateMany({
      where: { id: { in: study.generationJobIds } },
      data: { status: "RUNNING" },
    });
    await runGenerateReportBatch(db(), served, [...payloads, ...payloads], log);
    const after = await db().report.findMany({
      where: { case: { studyId: study.studyId } },
      orderBy: { id: "asc" },
    });
    expect(after).toEqual(before);
  });

  it("keeps the first report when another worker writes one while this batch runs", async () => {
    const reader = await makeUser("READER");
    const study = await makeStudy({ readerIds: [reader.id], cases: [{}, {}] });
    const [first] = await db().case.findMany({
      where: { studyId: study.studyId },
      orderBy: { externalId: "asc" },
      select: { id: true },
    });
    // A job taken back from a worker thought dead, which then finishes during this batch.
    const racing: ServedModel = {
      ...served,
      model: {
        ...served.model,
        infer: async (batch) => {
          await db().report.create({
            data: { caseId: first!.id, source: "AI", modelId: served.id, text: "Findings: other." },
          });
          return served.model.infer(batch);
        },
      },
    };
    await runGenerateReportBatch(db(), racing, queuedJobs(study.generationJobIds), log);
    const reports = await db().report.findMany({
      where: { case: { studyId: study.studyId }, source: "AI" },
      select: { caseId: true, text: true },
    });
    expect(reports).toHaveLength(2);
    expect(reports.find((r) => r.caseId === first!.id)?.text).toBe("Findings: other.");
    const jobs = await db().generationJob.findMany({ where: { case: { studyId: study.studyId } } });
    expect(jobs.map((j) => j.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
  });

  it("fails a corrupt image's job with a reason and goes on with the rest", async () => {
    const reader = await makeUser("READER");
    const study = await makeStudy({
      readerIds: [reader.id],
      cases: [{}, { imageBytes: Buffer.from("\x89PNG\r\n\x1a\n truncated", "binary") }, {}],
      openWhenReady: true,
    });
    await runGenerateReportBatch(db(), served, queuedJobs(study.generationJobIds), log);

    const detail = await getStudyDetail(db(), study.studyId);
    const byId = Object.fromEntries(detail.caseList.map((c) => [c.externalId, c]));
    expect(byId["CASE-1"]?.status).toBe("READY");
    expect(byId["CASE-3"]?.status).toBe("READY");
    expect(byId["CASE-2"]?.status).toBe("FAILED");
    expect(byId["CASE-2"]?.problem).toMatch(/could not be decoded/);
    // The study opens with the two good cases only.
    expect(detail.status).toBe("OPEN");
    expect(detail.items).toBe(4);
  });

  it("fails a job whose image file is missing, saying so", async () => {
    const reader = await makeUser("READER");
    const study = await makeStudy({ readerIds: [reader.id], cases: [{}] });
    await db().case.updateMany({
      where: { studyId: study.studyId },
      data: { imagePath: "test/missing/nothing.png" },
    });
    await runGenerateReportBatch(db(), served, queuedJobs(study.generationJobIds), log);
    const job = await db().generationJob.findFirstOrThrow({
      where: { case: { studyId: study.studyId } },
    });
    expect(job.status).toBe("FAILED");
    expect(job.errorMessage).toMatch(/missing/);
  });

  const queued = (ids: string[], isLastAttempt = false) =>
    ids.map((id) => ({ data: { generationJobId: id }, isLastAttempt }));

  it("runs inference once for duplicate copies, and leaves jobs another worker holds alone", async () => {
    const reader = await makeUser("READER");
    const study = await makeStudy({ readerIds: [reader.id], cases: [{}, {}] });
    const [first, second] = study.generationJobIds as [string, string];
    await db().generationJob.update({
      where: { id: second },
      data: { status: "RUNNING", startedAt: new Date() },
    });
    let images = 0;
    const counting: ServedModel = {
      id: served.id,
      model: {
        ...served.model,
        infer: (batch) => ((images += batch.length), served.model.infer(batch)),
      },
    };
    await runGenerateReportBatch(db(), counting, queued([first, first, second]), log);
    expect(images).toBe(1);
    const jobs = await db().generationJob.findMany({
      where: { id: { in: [first, second] } },
      orderBy: { id: "asc" },
    });
    const byId = Object.fromEntries(jobs.map((j) => [j.id, j]));
    expect(byId[first]).toMatchObject({ status: "SUCCEEDED", attempts: 1 });
    expect(byId[second]).toMatchObject({ status: "RUNNING" });
    expect(
      await db().report.count({ where: { case: { studyId: study.studyId }, source: "AI" } }),
    ).toBe(1);
  });

  it("hands jobs back on an unexpected error, and fails them with the reason on the last attempt", async () => {
    const reader = await makeUser("READER");
    const study = await makeStudy({ readerIds: [reader.id], cases: [{}] });
    const broken: ServedModel = {
      id: served.id,
      model: { ...served.model, infer: () => Promise.reject(new Error("CUDA out of memory")) },
    };
    await expect(
      runGenerateReportBatch(db(), broken, queued(study.generationJobIds), log),
    ).rejects.toThrow("CUDA out of memory");
    const job = () =>
      db().generationJob.findFirstOrThrow({ where: { id: study.generationJobIds[0] } });
    expect((await job()).status).toBe("QUEUED");
    await expect(
      runGenerateReportBatch(db(), broken, queued(study.generationJobIds, true), log),
    ).rejects.toThrow();
    expect(await job()).toMatchObject({
      status: "FAILED",
      errorMessage: "Report generation failed repeatedly: CUDA out of memory",
      attempts: 2,
    });
  });

  it("fails only the jobs on their last attempt when a batch fails", async () => {
    const reader = await makeUser("READER");
    const study = await makeStudy({ readerIds: [reader.id], cases: [{}, {}] });
    const [early, last] = study.generationJobIds as [string, string];
    const broken: ServedModel = {
      id: served.id,
      model: { ...served.model, infer: () => Promise.reject(new Error("device lost")) },
    };
    await expect(
      runGenerateReportBatch(
        db(),
        broken,
        [
          { data: { generationJobId: early }, isLastAttempt: false },
          { data: { generationJobId: last }, isLastAttempt: true },
        ],
        log,
      ),
    ).rejects.toThrow("device lost");
    const status = async (id: string) =>
      (await db().generationJob.findUniqueOrThrow({ where: { id } })).status;
    expect(await status(early)).toBe("QUEUED");
    expect(await status(last)).toBe("FAILED");
  });

  it("recovers jobs whose worker vanished, re-sends only jobs the queue has lost, and queues each job once", async () => {
    const boss = await startQueue(process.env.DATABASE_URL!);
    try {
      const reader = await makeUser("READER");
      const study = await makeStudy({ readerIds: [reader.id], cases: Array(7).fill({}) });
      // A model of its own, so no other test's jobs are swept here.
      const model = await db().aiModel.create({
        data: {
          name: `recovery-${study.studyId}`,
          version: "1",
          sha256: "0".repeat(64),
          path: "/nowhere",
          kind: "FINDINGS_CLASSIFIER",
        },
      });
      const cases = await db().case.findMany({
        where: { studyId: study.studyId },
        orderBy: { externalId: "asc" },
      });
      const hourAgo = new Date(Date.now() - 3_600_000);
      const job = (i: number, data: object) =>
        db().generationJob.create({ data: { caseId: cases[i]!.id, modelId: model.id, ...data } });
      const stale = await job(0, {
        status: "RUNNING",
        createdAt: new Date(Date.now() - 7_200_000),
        startedAt: hourAgo,
      });
      const running = await job(1, {
        status: "RUNNING",
        createdAt: hourAgo,
        startedAt: new Date(),
      });
      const waitingInQueue = await job(2, { createdAt: hourAgo });
      const lost = await job(3, { createdAt: hourAgo });
      const justWritten = await job(4, {});
      const copyFailed = await job(5, { createdAt: hourAgo });
      const justFetched = await job(6, { createdAt: hourAgo });
      await enqueueReportGeneration(boss, db(), [
        stale.id,
        waitingInQueue.id,
        copyFailed.id,
        justFetched.id,
      ]);
      const queueName = generateReportJob.queueFor(model.id);
      const copy = (id: string, state: string, startedOn: Date) => db().$executeRaw`
        UPDATE pgboss.job SET state = ${state}::pgboss.job_state, started_on = ${startedOn}
        WHERE name = ${queueName} AND singleton_key = ${id}`;
      // The stale job's copy is still "active" in pg-boss: its worker was killed holding it.
      await copy(stale.id, "active", hourAgo);
      await copy(copyFailed.id, "failed", hourAgo);
      // A live worker fetched this one a moment ago and is about to claim it.
      await copy(justFetched.id, "active", new Date());

      const resend = await recoverGenerationJobs(db(), model.id, 600, 60);
      // Expected from the rules: a stale RUNNING job goes back, and its copy was fetched an
      // hour ago by the vanished worker; a job queued an hour ago whose copy failed, or that
      // never had one, was lost. One the queue still holds, one just fetched, one written a
      // moment ago (its send may be in flight) and one still running stay as they are.
      expect(resend.sort()).toEqual([stale.id, lost.id, copyFailed.id].sort());
      const status = async (id: string) =>
        (await db().generationJob.findUniqueOrThrow({ where: { id } })).status;
      expect(await status(stale.id)).toBe("QUEUED");
      expect(await status(running.id)).toBe("RUNNING");
      expect(resend).not.toContain(justWritten.id);
      // The sweep sends in bounded slices: the rest goes next time.
      expect(await recoverGenerationJobs(db(), model.id, 600, 60, 2)).toHaveLength(2);

      // Once sent, a job is no longer lost; and sending twice leaves one waiting copy.
      await enqueueReportGeneration(boss, db(), resend);
      await enqueueReportGeneration(boss, db(), resend);
      expect(await recoverGenerationJobs(db(), model.id, 600, 60)).toEqual([]);
      const copies = await db().$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM pgboss.job
        WHERE name = ${queueName} AND singleton_key = ${lost.id} AND state = 'created'`;
      expect(Number(copies[0]!.n)).toBe(1);
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  });
});

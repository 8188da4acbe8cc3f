import { describe, expect, it } from "vitest";
import { NORMAL_FINDINGS } from "@/server/demo/findings";
import { renderPhantom } from "@/server/demo/phantom";
import { enqueueReportGeneration, startQueue } from "@/server/jobs/queue";
import { db, makeStudy, makeUser } from "./helpers";
import { exited, startWorkerProcess, until } from "./processes";

const CASES = 60;

/** Short enough for a test: a dead worker's jobs come back after 3 s. */
const startWorker = (batchSize: number) =>
  startWorkerProcess({
    batchSize,
    env: { WORKER_JOB_TIMEOUT_SECONDS: "3", WORKER_RECOVERY_INTERVAL_SECONDS: "1" },
  });

describe("two worker processes on one queue", () => {
  it("end with exactly one report per case when one is killed mid-batch", async () => {
    const reader = await makeUser("READER");
    // One full-size phantom for every case: decoding 1024 px images makes batches take long
    // enough to be caught mid-way.
    const image = await renderPhantom({ seed: 9, findings: NORMAL_FINDINGS });
    const study = await makeStudy({
      readerIds: [reader.id],
      cases: Array.from({ length: CASES }, () => ({ imageBytes: image })),
    });
    const boss = await startQueue(process.env.DATABASE_URL!);
    await enqueueReportGeneration(boss, db(), study.generationJobIds);
    await boss.stop({ graceful: false, wait: true });

    const a = startWorker(8);
    const b = startWorker(2);
    const jobsOf = (status: "RUNNING" | "SUCCEEDED", worker?: string) =>
      db().generationJob.count({
        where: { id: { in: study.generationJobIds }, status, ...(worker ? { worker } : {}) },
      });
    try {
      // Kill A while it holds claimed, unfinished jobs.
      await until(async () => (await jobsOf("RUNNING", a.worker)) > 0, 60_000).catch((e) => {
        throw new Error(
          `${e.message}; worker A said:\n${a.output()}\nworker B said:\n${b.output()}`,
        );
      });
      a.child.kill("SIGKILL");
      const killed = await exited(a.child);
      expect(killed.signal).toBe("SIGKILL");
      const leftRunning = await jobsOf("RUNNING", a.worker);
      expect(leftRunning).toBeGreaterThan(0);

      // B finishes everything, A's abandoned jobs included once their timeout passes.
      await until(async () => (await jobsOf("SUCCEEDED")) === CASES, 60_000);
      const reports = await db().report.groupBy({
        by: ["caseId"],
        where: { case: { studyId: study.studyId }, source: "AI" },
        _count: { _all: true },
      });
      expect(reports).toHaveLength(CASES);
      expect(reports.every((r) => r._count._all === 1)).toBe(true);

      // SIGTERM: B finishes what it holds and exits cleanly.
      const stopping = exited(b.child);
      b.child.kill("SIGTERM");
      expect(await stopping).toEqual({ code: 0, signal: null });
    } finally {
      for (const w of [a, b])
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    }
  }, 120_000);
});

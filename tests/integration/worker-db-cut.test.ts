import { describe, expect, it } from "vitest";
import { formatDatabaseUrl, parseDatabaseUrl } from "@/server/db/connection";
import { NORMAL_FINDINGS } from "@/server/demo/findings";
import { renderPhantom } from "@/server/demo/phantom";
import { enqueueReportGeneration, startQueue } from "@/server/jobs/queue";
import { db, makeStudy, makeUser } from "./helpers";
import { exited, startWorkerProcess, until } from "./processes";
import { TcpProxy } from "./tcp-proxy";

const CASES = 120;

/*
 * A database restart or failover while a worker runs: every connection the worker holds is
 * reset and new ones are refused for a few seconds (a TCP proxy in front of the test database).
 * The worker must stay up and finish every job, with one report per case.
 */
describe("a worker whose database goes away mid-run", () => {
  it("stays up, and every case ends with one report once the database is back", async () => {
    const reader = await makeUser("READER");
    const image = await renderPhantom({ seed: 9, findings: NORMAL_FINDINGS });
    const study = await makeStudy({
      readerIds: [reader.id],
      cases: Array.from({ length: CASES }, () => ({ imageBytes: image })),
    });
    const server = parseDatabaseUrl(process.env.DATABASE_URL!);
    const gate = new TcpProxy(server);
    await gate.listen();
    const worker = startWorkerProcess({
      batchSize: 4,
      env: {
        DATABASE_URL: formatDatabaseUrl({ ...server, host: "127.0.0.1", port: gate.port }),
        // A job caught by the cut comes back to the queue within seconds, not 15 minutes.
        WORKER_JOB_TIMEOUT_SECONDS: "3",
        WORKER_RECOVERY_INTERVAL_SECONDS: "1",
      },
    });
    const { child, output } = worker;
    const boss = await startQueue(process.env.DATABASE_URL!);
    const succeeded = () =>
      db().generationJob.count({
        where: { id: { in: study.generationJobIds }, status: "SUCCEEDED" },
      });
    const said = () => `the worker to go on; it said:\n${output()}`;
    try {
      await until(async () => output().includes("waiting for jobs"), 30_000, said);
      await enqueueReportGeneration(boss, db(), study.generationJobIds);
      // The cut comes once the worker is well under way, not before it started or after it ended.
      await until(async () => (await succeeded()) >= 8, 30_000, said);
      await gate.cut();
      const atCut = await succeeded();
      expect(atCut).toBeLessThan(CASES);
      await new Promise((r) => setTimeout(r, 4_000));
      expect(child.exitCode).toBeNull();
      await gate.restore();

      await until(
        async () => (await succeeded()) === CASES || child.exitCode !== null,
        60_000,
        said,
      );
      expect(child.exitCode, `the worker ended; it said:\n${output().slice(-3000)}`).toBeNull();
      expect(await succeeded()).toBe(CASES);
      const perCase = await db().report.groupBy({
        by: ["caseId"],
        where: { case: { studyId: study.studyId }, source: "AI" },
        _count: { _all: true },
      });
      expect(perCase).toHaveLength(CASES);
      expect(perCase.every((c) => c._count._all === 1)).toBe(true);
      console.log(
        `worker/db cut: ${atCut} of ${CASES} reports at the cut, the rest after 4 s without the database; ` +
          `queue updates lost to the cut: ${output().split("the queue lost the database").length - 1}`,
      );
    } finally {
      const gone = exited(child);
      child.kill("SIGTERM");
      const { code } = await gone;
      await boss.stop({ graceful: false, wait: true });
      await gate.close();
      expect(code).toBe(0);
    }
  }, 120_000);
});

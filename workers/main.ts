import os from "node:os";
import path from "node:path";
import { getDb } from "../server/db/client";
import { readModelCard } from "../server/demo/seed";
import { getEnv, requireDatabaseUrl } from "../server/env";
import { recoverGenerationJobs } from "../server/jobs/mutations";
import { enqueueReportGeneration, ensureReportQueue, startQueue } from "../server/jobs/queue";
import { registerModel } from "../server/models/mutations";
import { runGenerateReportBatch } from "./generate-report";
import { loadDemoModel } from "./models/demo-classifier";

const log = (line: string) => console.log(`[worker] ${line}`);

async function main() {
  const env = getEnv();
  const url = requireDatabaseUrl();
  const db = getDb();
  const modelDir = path.resolve(env.BLINDREAD_MODEL_DIR);

  // Loaded once per process and kept: loading costs far more than one inference.
  const model = await loadDemoModel(modelDir, {
    preferCuda: env.WORKER_PREFER_CUDA,
    deviceId: env.WORKER_CUDA_DEVICE_ID,
    log,
  });
  const card = await readModelCard(modelDir);
  const row = await registerModel(db, { ...card, path: modelDir, isDemo: true });
  log(
    `serving ${model.name} ${model.version} on ${model.provider.toUpperCase()} (demo model, not for clinical use)`,
  );

  const boss = await startQueue(url);
  const queue = await ensureReportQueue(boss, row.id);
  // Jobs whose enqueue was lost (a crash between commit and send), or whose worker died
  // mid-job, are found and sent again now and at every interval; sending is idempotent.
  const recover = async () =>
    enqueueReportGeneration(
      boss,
      db,
      await recoverGenerationJobs(db, row.id, env.WORKER_JOB_TIMEOUT_SECONDS),
    );
  await recover();
  const sweep = setInterval(
    () => void recover().catch((e) => log(`recovery sweep failed: ${e}`)),
    env.WORKER_RECOVERY_INTERVAL_SECONDS * 1000,
  );
  const worker = `${os.hostname()}:${process.pid}`;

  const loop: { id?: string } = {};
  loop.id = await boss.work(
    queue,
    { batchSize: env.WORKER_BATCH_SIZE, pollingIntervalSeconds: 0.5, includeMetadata: true },
    async (jobs) => {
      await runGenerateReportBatch(
        db,
        { id: row.id, model, worker, parameters: row.parameters ?? {} },
        jobs.map((j) => ({ data: j.data, isLastAttempt: j.retryCount >= j.retryLimit })),
        log,
      );
      // A full batch suggests more are waiting: fetch again at once instead of after the
      // polling interval, which would otherwise cap throughput at one batch per interval.
      if (loop.id && jobs.length === env.WORKER_BATCH_SIZE) boss.notifyWorker(loop.id);
    },
  );
  log("waiting for jobs");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing jobs in flight, then stopping`);
    clearInterval(sweep);
    await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    await model.close();
    await db.$disconnect();
    log("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error) => {
  console.error("[worker] could not start:", error instanceof Error ? error.message : error);
  process.exit(1);
});

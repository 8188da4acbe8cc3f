import path from "node:path";
import { getDb } from "../server/db/client";
import { readModelCard } from "../server/demo/seed";
import { getEnv, requireDatabaseUrl } from "../server/env";
import { generateReportJob } from "../server/jobs/definitions";
import { listQueuedGenerationJobIds } from "../server/jobs/mutations";
import { enqueueReportGeneration, startQueue } from "../server/jobs/queue";
import { registerModel } from "../server/studies/mutations";
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
  // Jobs whose enqueue was lost (a crash between commit and send) are found here; the
  // handler skips any that turn out to be done already.
  await enqueueReportGeneration(boss, await listQueuedGenerationJobIds(db));

  await boss.work(
    generateReportJob.name,
    { batchSize: env.WORKER_BATCH_SIZE, pollingIntervalSeconds: 0.5 },
    async (jobs) => {
      await runGenerateReportBatch(
        db,
        { id: row.id, model },
        jobs.map((j) => j.data),
        log,
      );
    },
  );
  log("waiting for jobs");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing jobs in flight, then stopping`);
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

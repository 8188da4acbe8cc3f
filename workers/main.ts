import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { getDb, type Db } from "../server/db/client";
import { describeConnectionError, waitForDatabase } from "../server/db/wait";
import { isTemplatedClassifier, registerDemoModel } from "../server/demo/seed";
import { getEnv, requireDatabaseUrl } from "../server/env";
import { recoverGenerationJobs } from "../server/jobs/mutations";
import { enqueueReportGeneration, ensureReportQueue, startQueue } from "../server/jobs/queue";
import { runFilledBatch } from "./batching";
import { runGenerateReportBatch } from "./generate-report";
import { loadServedModel, refusingModel } from "./models/load";
import { PermanentModelError, type ReportModel } from "./models/types";

const log = (line: string) => console.log(`[worker] ${line}`);

/**
 * Batches in flight per process: while the model runs one, the next is claimed, read and
 * preprocessed, so the model waits on neither. The model itself runs one batch at a time.
 */
const PIPELINE_DEPTH = 2;

const modelSelect = {
  id: true,
  name: true,
  version: true,
  kind: true,
  path: true,
  sha256: true,
  parameters: true,
  isDemo: true,
} as const;

/**
 * The model version this process serves: `--model name@version`; else the model folder
 * (BLINDREAD_MODEL_DIR): a demo-style classifier folder (model.json without a report
 * template) by the name and version its model.json records (registered on first use, as the
 * demo is), any other folder by the one version registered with that path.
 */
async function chooseModel(db: Db, requested: string | undefined, modelDir: string) {
  if (requested) {
    const at = requested.lastIndexOf("@");
    if (at <= 0 || at === requested.length - 1) {
      throw new Error(`--model must be name@version (got "${requested}")`);
    }
    const [name, version] = [requested.slice(0, at), requested.slice(at + 1)];
    const row = await db.aiModel.findUnique({
      where: { name_version: { name, version } },
      select: modelSelect,
    });
    if (!row) {
      throw new Error(
        `no model is registered as ${name} ${version}; register it with npx blindread models add`,
      );
    }
    return row;
  }
  if (existsSync(path.join(modelDir, "model.json")) && !(await isTemplatedClassifier(modelDir))) {
    const { id } = await registerDemoModel(db, modelDir);
    return db.aiModel.findUniqueOrThrow({ where: { id }, select: modelSelect });
  }
  const rows = await db.aiModel.findMany({
    where: { path: modelDir, kind: { not: "EXTERNAL" } },
    select: modelSelect,
  });
  if (rows.length === 1) return rows[0]!;
  throw new Error(
    rows.length === 0
      ? `no model is registered with the folder ${modelDir}; register it with npx blindread models add`
      : `several model versions use ${modelDir} (${rows.map((r) => `${r.name}@${r.version}`).join(", ")}); start the worker with --model name@version`,
  );
}

/**
 * pg-boss 10 marks a fetched batch complete or failed without awaiting it (its manager's
 * onFetch), so while the database is away that promise's rejection is unhandled and, by
 * default, ends the process: one database restart would stop every worker (and `npm start`
 * with them). Such a rejection is logged instead; the job stays active in the queue and comes
 * back after its expiry, and the handler skips what is already done. Any other unhandled
 * rejection still ends the process.
 */
function surviveQueueConnectionLoss(): void {
  process.on("unhandledRejection", (reason) => {
    const { transient, reason: why } = describeConnectionError(reason);
    if (!transient) throw reason;
    log(`the queue lost the database (${why}); its jobs come back after their expiry`);
  });
}

async function main() {
  surviveQueueConnectionLoss();
  const { values } = parseArgs({ options: { model: { type: "string" } } });
  const env = getEnv();
  const url = requireDatabaseUrl();
  // A worker may start before the database it serves (a container start, a reboot).
  await waitForDatabase(url, { log });
  const db = getDb();
  const row = await chooseModel(db, values.model, path.resolve(env.BLINDREAD_MODEL_DIR));

  // Loaded once per process and kept: loading costs far more than one inference.
  let model: ReportModel;
  try {
    model = await loadServedModel(row, {
      preferCuda: env.WORKER_PREFER_CUDA,
      deviceId: env.WORKER_CUDA_DEVICE_ID,
      log,
    });
    log(
      `serving ${row.name} ${row.version} (${model.kind.toLowerCase().replace(/_/g, "-")}) on ${model.provider.toUpperCase()}${row.isDemo ? " (demo model, not for clinical use)" : ""}`,
    );
  } catch (error) {
    if (!(error instanceof PermanentModelError)) throw error;
    // Stay up and fail this model's jobs with the reason, so the admin sees it on the study.
    log(`refusing ${row.name} ${row.version}: ${error.message}`);
    model = refusingModel(row, error);
  }

  const boss = await startQueue(url);
  const queue = await ensureReportQueue(boss, row.id);
  // Jobs whose enqueue was lost (a crash between commit and send), or whose worker died
  // mid-job, are found and sent again now and at every interval; sending is idempotent.
  const recover = async () =>
    enqueueReportGeneration(
      boss,
      db,
      await recoverGenerationJobs(
        db,
        row.id,
        env.WORKER_JOB_TIMEOUT_SECONDS,
        env.WORKER_RECOVERY_INTERVAL_SECONDS,
      ),
    );
  await recover();
  const sweep = setInterval(
    () => void recover().catch((e) => log(`recovery sweep failed: ${e}`)),
    env.WORKER_RECOVERY_INTERVAL_SECONDS * 1000,
  );
  const worker = `${os.hostname()}:${process.pid}`;
  const served = { id: row.id, model, worker, parameters: row.parameters ?? {} };

  for (let i = 0; i < PIPELINE_DEPTH; i++) {
    const loop: { id?: string } = {};
    loop.id = await boss.work(
      queue,
      { batchSize: env.WORKER_BATCH_SIZE, pollingIntervalSeconds: 0.5, includeMetadata: true },
      async (jobs) => {
        await runFilledBatch(
          boss,
          queue,
          jobs,
          { size: env.WORKER_BATCH_SIZE, waitMs: env.WORKER_BATCH_WAIT_MS },
          (batch) =>
            runGenerateReportBatch(
              db,
              served,
              batch.map((j) => ({ data: j.data, isLastAttempt: j.retryCount >= j.retryLimit })),
              log,
            ),
          log,
        );
        // A full batch suggests more are waiting: fetch again at once instead of after the
        // polling interval, which would otherwise cap throughput at one batch per interval.
        if (loop.id && jobs.length === env.WORKER_BATCH_SIZE) boss.notifyWorker(loop.id);
      },
    );
  }
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

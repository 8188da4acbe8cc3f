import PgBoss from "pg-boss";
import type { DbClient } from "../db/client";
import { parseDatabaseUrl } from "../db/connection";
import { getEnv } from "../env";
import { generateReportJob } from "./definitions";

export function createQueue(url: string, options: PgBoss.ConstructorOptions = {}): PgBoss {
  return new PgBoss({
    ...parseDatabaseUrl(url),
    application_name: "blindread-queue",
    max: 4,
    ...options,
  });
}

/** Starts pg-boss, which creates or migrates its own schema on first use. */
export async function startQueue(url: string): Promise<PgBoss> {
  const boss = createQueue(url);
  boss.on("error", (error) => console.error("[queue]", error.message));
  await boss.start();
  return boss;
}

/**
 * The report queue of one model. Policy "short": at most one waiting copy of each job (the
 * generation job's id is the key), while a copy held by a vanished worker does not block a
 * fresh one; which worker runs a job is settled by the exclusive claim in the database.
 */
export async function ensureReportQueue(boss: PgBoss, modelId: string): Promise<string> {
  const name = generateReportJob.queueFor(modelId);
  if (!(await boss.getQueue(name))) {
    await boss.createQueue(name, {
      name,
      policy: "short",
      // A job not completed within this time is handed to another worker (e.g. after SIGKILL).
      expireInSeconds: getEnv().WORKER_JOB_TIMEOUT_SECONDS,
      retryLimit: generateReportJob.retryLimit,
      retryBackoff: true,
      retryDelay: 5,
    });
  }
  return name;
}

/**
 * Puts report-generation jobs on their models' queues. Safe to repeat: the generation
 * job's id is the singleton key, so a job already waiting is not queued twice, and the
 * handler skips any whose report exists.
 */
export async function enqueueReportGeneration(
  boss: PgBoss,
  db: DbClient,
  generationJobIds: readonly string[],
): Promise<void> {
  if (generationJobIds.length === 0) return;
  const rows = await db.generationJob.findMany({
    where: { id: { in: [...generationJobIds] } },
    select: { id: true, modelId: true },
  });
  const byModel = new Map<string, typeof rows>();
  for (const row of rows) byModel.set(row.modelId, [...(byModel.get(row.modelId) ?? []), row]);
  for (const [modelId, jobs] of byModel) {
    const name = await ensureReportQueue(boss, modelId);
    await boss.insert(
      jobs.map((j) => ({ name, data: { generationJobId: j.id }, singletonKey: j.id })),
    );
  }
}

import PgBoss from "pg-boss";
import { parseDatabaseUrl } from "../db/connection";
import { generateReportJob } from "./definitions";

export function createQueue(url: string): PgBoss {
  return new PgBoss({
    ...parseDatabaseUrl(url),
    application_name: "blindread-queue",
    max: 4,
  });
}

/** Starts pg-boss (creating or migrating its schema) and makes sure the queues exist. */
export async function startQueue(url: string): Promise<PgBoss> {
  const boss = createQueue(url);
  boss.on("error", (error) => console.error("[queue]", error.message));
  await boss.start();
  if (!(await boss.getQueue(generateReportJob.name))) {
    await boss.createQueue(generateReportJob.name, {
      name: generateReportJob.name,
      expireInSeconds: generateReportJob.expireInSeconds,
      retryLimit: generateReportJob.retryLimit,
      retryBackoff: true,
      retryDelay: 5,
    });
  }
  return boss;
}

/**
 * Puts report-generation jobs on the queue. Idempotent downstream: the handler skips
 * jobs whose report exists, so sending one twice (retry, sweep) costs one no-op.
 */
export async function enqueueReportGeneration(
  boss: PgBoss,
  generationJobIds: readonly string[],
): Promise<void> {
  if (generationJobIds.length === 0) return;
  await boss.insert(
    generationJobIds.map((generationJobId) => ({
      name: generateReportJob.name,
      data: { generationJobId },
    })),
  );
}

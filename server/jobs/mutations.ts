import type { JobStatus } from "@prisma/client";
import type { Db, DbClient } from "../db/client";
import { AppError } from "../errors";

/** Moves a generation job may make; anything else means another worker got there first. */
const allowed: Record<JobStatus, readonly JobStatus[]> = {
  QUEUED: ["RUNNING", "SUCCEEDED", "FAILED"],
  RUNNING: ["SUCCEEDED", "FAILED", "QUEUED"],
  SUCCEEDED: [],
  FAILED: ["QUEUED"],
};

/**
 * The one place a generation job changes state. Returns false when the job is not in a
 * state that allows the move, so callers can stand down: claiming (QUEUED to RUNNING)
 * succeeds for exactly one worker.
 */
export async function transitionGenerationJob(
  db: DbClient,
  id: string,
  to: JobStatus,
  extra: { errorMessage?: string | null; worker?: string } = {},
): Promise<boolean> {
  const from = (Object.keys(allowed) as JobStatus[]).filter((s) => allowed[s].includes(to));
  const now = new Date();
  const result = await db.generationJob.updateMany({
    where: { id, status: { in: from } },
    data: {
      status: to,
      ...(to === "RUNNING"
        ? { startedAt: now, attempts: { increment: 1 }, worker: extra.worker ?? null }
        : {}),
      ...(to === "SUCCEEDED" || to === "FAILED" ? { finishedAt: now } : {}),
      ...(to === "QUEUED" ? { finishedAt: null, errorMessage: null } : {}),
      ...(extra.errorMessage !== undefined ? { errorMessage: extra.errorMessage } : {}),
    },
  });
  return result.count === 1;
}

/**
 * Puts back jobs whose worker vanished (killed, machine lost): RUNNING for longer than the
 * queue's expiry. Returns the ids of every job of the model that is waiting, to re-send.
 */
export async function recoverGenerationJobs(
  db: DbClient,
  modelId: string,
  staleAfterSeconds: number,
): Promise<string[]> {
  await db.generationJob.updateMany({
    where: {
      modelId,
      status: "RUNNING",
      startedAt: { lt: new Date(Date.now() - staleAfterSeconds * 1000) },
    },
    data: { status: "QUEUED" },
  });
  const rows = await db.generationJob.findMany({
    where: { modelId, status: "QUEUED" },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** Puts a study's failed generation jobs back in the queue; returns their ids to send. */
export async function requeueFailedJobs(db: Db, studyId: string): Promise<string[]> {
  return db.$transaction(async (tx) => {
    // Locked, so the study cannot open (and fix readers' lists) while jobs are put back.
    const [study] = await tx.$queryRaw<{ status: string }[]>`
      SELECT status FROM studies WHERE id = ${studyId} FOR UPDATE`;
    if (!study) throw new AppError("NOT_FOUND", "Study not found");
    // Readers' lists are fixed when a study opens, so a report written later would never be read.
    if (study.status !== "DRAFT") {
      throw new AppError("CONFLICT", "Failed reports can be retried only before the study opens");
    }
    const failed = await tx.generationJob.findMany({
      where: { case: { studyId }, status: "FAILED" },
      select: { id: true },
    });
    const requeued: string[] = [];
    for (const { id } of failed) {
      if (await transitionGenerationJob(tx, id, "QUEUED")) requeued.push(id);
    }
    return requeued;
  });
}

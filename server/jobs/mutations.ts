import type { JobStatus } from "@prisma/client";
import type { Db, DbClient } from "../db/client";
import { AppError } from "../errors";
import { generateReportJob } from "./definitions";

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
  return (await transitionGenerationJobs(db, [id], to, extra)).length === 1;
}

/**
 * transitionGenerationJob for many jobs in one statement (a worker's batch): returns the ids
 * that made the move; the others were not in a state that allows it.
 */
export async function transitionGenerationJobs(
  db: DbClient,
  ids: readonly string[],
  to: JobStatus,
  extra: { errorMessage?: string | null; worker?: string } = {},
): Promise<string[]> {
  if (ids.length === 0) return [];
  const from = (Object.keys(allowed) as JobStatus[]).filter((s) => allowed[s].includes(to));
  const now = new Date();
  const moved = await db.generationJob.updateManyAndReturn({
    where: { id: { in: [...ids] }, status: { in: from } },
    data: {
      status: to,
      ...(to === "RUNNING"
        ? { startedAt: now, attempts: { increment: 1 }, worker: extra.worker ?? null }
        : {}),
      ...(to === "SUCCEEDED" || to === "FAILED" ? { finishedAt: now } : {}),
      ...(to === "QUEUED" ? { finishedAt: null, errorMessage: null } : {}),
      ...(extra.errorMessage !== undefined ? { errorMessage: extra.errorMessage } : {}),
    },
    select: { id: true },
  });
  return moved.map((m) => m.id);
}

/** Most job ids one sweep re-sends; a larger lost backlog goes out over the next sweeps. */
export const RECOVERY_BATCH_LIMIT = 10_000;

/**
 * Puts back jobs whose worker vanished (killed, machine lost): RUNNING for longer than the
 * queue's expiry. Returns the ids of the model's waiting jobs whose queue message looks lost:
 * QUEUED for longer than `lostAfterSeconds` (since created or last claimed; a job is sent
 * right after it is written) and with no copy in pg-boss that is waiting, retrying, or was
 * fetched within that time. Jobs the queue still holds are left to it, so a large backlog is
 * never re-sent wholesale.
 * Needs pg-boss's schema (the worker starts the queue first).
 */
export async function recoverGenerationJobs(
  db: DbClient,
  modelId: string,
  staleAfterSeconds: number,
  lostAfterSeconds: number,
  limit = RECOVERY_BATCH_LIMIT,
): Promise<string[]> {
  await db.generationJob.updateMany({
    where: {
      modelId,
      status: "RUNNING",
      startedAt: { lt: new Date(Date.now() - staleAfterSeconds * 1000) },
    },
    data: { status: "QUEUED" },
  });
  const queue = generateReportJob.queueFor(modelId);
  // Timestamps are stored as UTC without a zone; compare them with UTC "now".
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT g.id
    FROM generation_jobs g
    WHERE g.model_id = ${modelId}
      AND g.status = 'QUEUED'
      AND GREATEST(g.created_at, COALESCE(g.started_at, g.created_at))
          < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${lostAfterSeconds}::float8)
      AND NOT EXISTS (
        SELECT 1 FROM pgboss.job j
        WHERE j.name = ${queue}
          AND j.singleton_key = g.id
          AND (
            j.state IN ('created', 'retry')
            -- A copy fetched long ago for a job that is waiting again was held by a worker
            -- that vanished; one fetched a moment ago is about to be claimed.
            OR (j.state = 'active'
                AND j.started_on > now() - make_interval(secs => ${lostAfterSeconds}::float8))
          )
      )
    ORDER BY g.created_at
    LIMIT ${limit}`;
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

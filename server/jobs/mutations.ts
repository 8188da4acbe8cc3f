import type { JobStatus } from "@prisma/client";
import type { DbClient } from "../db/client";

const allowed: Record<JobStatus, readonly JobStatus[]> = {
  QUEUED: ["RUNNING", "FAILED"],
  RUNNING: ["SUCCEEDED", "FAILED", "QUEUED", "RUNNING"],
  SUCCEEDED: [],
  FAILED: ["QUEUED"],
};

/**
 * The one place a generation job changes state. Returns false when the job is not in a
 * state that allows the move (another worker got there first), so callers can stand down.
 */
export async function transitionGenerationJob(
  db: DbClient,
  id: string,
  to: JobStatus,
  extra: { errorMessage?: string | null } = {},
): Promise<boolean> {
  const from = (Object.keys(allowed) as JobStatus[]).filter((s) => allowed[s].includes(to));
  const now = new Date();
  const result = await db.generationJob.updateMany({
    where: { id, status: { in: from } },
    data: {
      status: to,
      ...(to === "RUNNING" ? { startedAt: now, attempts: { increment: 1 } } : {}),
      ...(to === "SUCCEEDED" || to === "FAILED" ? { finishedAt: now } : {}),
      ...(to === "QUEUED" ? { finishedAt: null, errorMessage: null } : {}),
      ...(extra.errorMessage !== undefined ? { errorMessage: extra.errorMessage } : {}),
    },
  });
  return result.count === 1;
}

/** Generation jobs that are waiting, for the worker's start-up sweep. */
export async function listQueuedGenerationJobIds(db: DbClient): Promise<string[]> {
  const rows = await db.generationJob.findMany({
    where: { status: "QUEUED" },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

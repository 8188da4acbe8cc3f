import type { DbClient } from "../db/client";
import { AppError } from "../errors";

/** Window over which throughput is measured: recent enough to follow a change of pace. */
const THROUGHPUT_WINDOW_MS = 5 * 60_000;

/**
 * Report generation of one study, per model: how many jobs wait, run, are done or failed,
 * the recent pace, the time left at that pace, and the failures with their reasons.
 */
export async function getGenerationProgress(db: DbClient, studyId: string) {
  const study = await db.study.findUnique({
    where: { id: studyId },
    // Imported (EXTERNAL) models generate nothing; they have no row here.
    select: {
      models: {
        where: { model: { kind: { not: "EXTERNAL" } } },
        select: { model: { select: { id: true, name: true, version: true } } },
      },
    },
  });
  if (!study) throw new AppError("NOT_FOUND", "Study not found");
  const counts = await db.generationJob.groupBy({
    by: ["modelId", "status"],
    where: { case: { studyId } },
    _count: { _all: true },
  });
  const since = new Date(Date.now() - THROUGHPUT_WINDOW_MS);
  const recent = await db.generationJob.groupBy({
    by: ["modelId"],
    where: { case: { studyId }, status: "SUCCEEDED", finishedAt: { gte: since } },
    _count: { _all: true },
    _min: { finishedAt: true },
  });
  const failures = await db.generationJob.findMany({
    where: { case: { studyId }, status: "FAILED" },
    orderBy: { finishedAt: "desc" },
    take: 1_000,
    select: {
      modelId: true,
      attempts: true,
      errorMessage: true,
      finishedAt: true,
      case: { select: { externalId: true } },
    },
  });
  return study.models.map(({ model }) => {
    const count = (status: string) =>
      counts.find((c) => c.modelId === model.id && c.status === status)?._count._all ?? 0;
    const queued = count("QUEUED");
    const running = count("RUNNING");
    const window = recent.find((r) => r.modelId === model.id);
    // Pace over the part of the window that saw work, so a fresh start is not diluted.
    const elapsed = window?._min.finishedAt ? Date.now() - window._min.finishedAt.getTime() : 0;
    const perSecond = window && elapsed > 1_000 ? window._count._all / (elapsed / 1000) : null;
    return {
      model: { name: model.name, version: model.version },
      queued,
      running,
      succeeded: count("SUCCEEDED"),
      failed: count("FAILED"),
      perSecond,
      secondsLeft: perSecond && queued + running > 0 ? (queued + running) / perSecond : null,
      failures: failures
        .filter((f) => f.modelId === model.id)
        .map((f) => ({
          caseId: f.case.externalId,
          attempts: f.attempts,
          reason: f.errorMessage ?? "Failed",
          at: f.finishedAt?.toISOString() ?? null,
        })),
    };
  });
}

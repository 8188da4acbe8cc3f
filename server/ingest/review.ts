import type { Db } from "../db/client";
import { recordAudit } from "../audit/record";
import { AppError } from "../errors";
import { getImageStore } from "../storage";

async function heldCase(db: Db, caseId: string) {
  const found = await db.case.findUnique({
    where: { id: caseId },
    select: {
      id: true,
      heldReason: true,
      imagePath: true,
      image16Path: true,
      thumbPath: true,
      originalPath: true,
      imageInfo: true,
      study: {
        select: {
          id: true,
          status: true,
          models: { select: { model: { select: { id: true, kind: true } } } },
        },
      },
    },
  });
  if (!found) throw new AppError("NOT_FOUND", "Case not found");
  if (!found.heldReason) throw new AppError("CONFLICT", "This case is not held for review");
  if (found.study.status !== "DRAFT") {
    throw new AppError("CONFLICT", "Held cases can only be reviewed while the study is a draft");
  }
  return found;
}

/**
 * The admin looked at the pixels and found nothing identifying: the case joins the study and
 * its AI reports are generated. Returns the generation jobs to queue.
 */
export async function releaseHeldCase(db: Db, caseId: string, actor = "cli"): Promise<string[]> {
  const found = await heldCase(db, caseId);
  return db.$transaction(async (tx) => {
    const released = await tx.case.updateMany({
      where: { id: caseId, heldReason: { not: null } },
      data: { heldReason: null },
    });
    if (released.count === 0) return [];
    await recordAudit(tx, {
      actor,
      action: "case.released",
      subjectType: "case",
      subjectId: caseId,
    });
    const served = found.study.models.filter((m) => m.model.kind !== "EXTERNAL");
    const jobs = await tx.generationJob.createManyAndReturn({
      data: served.map((m) => ({ caseId, modelId: m.model.id })),
      select: { id: true },
      skipDuplicates: true,
    });
    return jobs.map((j) => j.id);
  });
}

/** The image shows identifying text: the case and its files are removed. */
export async function discardHeldCase(db: Db, caseId: string, actor = "cli"): Promise<void> {
  const found = await heldCase(db, caseId);
  await db.$transaction(async (tx) => {
    await tx.case.delete({ where: { id: caseId } });
    await recordAudit(tx, {
      actor,
      action: "case.discarded",
      subjectType: "case",
      subjectId: caseId,
      details: { reason: found.heldReason },
    });
  });
  const store = getImageStore();
  const extra = (found.imageInfo as { extraKeys?: unknown } | null)?.extraKeys;
  const keys = [
    found.imagePath,
    found.image16Path,
    found.thumbPath,
    found.originalPath,
    ...(Array.isArray(extra) ? extra.filter((k): k is string => typeof k === "string") : []),
  ];
  await Promise.all(
    keys.filter((k): k is string => !!k).map((k) => store.delete(k).catch(() => undefined)),
  );
}

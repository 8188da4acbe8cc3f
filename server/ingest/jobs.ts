import type { Prisma } from "@prisma/client";
import { recordAudit } from "../audit/record";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { IngestError } from "./errors";
import {
  importOutcome,
  runImport,
  type AuditIntakeHooks,
  type ImportOptions,
  type ImportOutcome,
} from "./importer";
import type { Dataset } from "./source";

export type ImportOrigin = "upload" | "folder" | "cli" | "api";

/** Puts the generation jobs of newly imported cases on the queue (the web app's or the CLI's). */
export type Enqueue = (generationJobIds: string[]) => Promise<void>;

export async function createImportJob(
  db: Db,
  input: {
    studyId: string;
    userId: string | null;
    origin: ImportOrigin;
    sourceName: string;
    options: ImportOptions;
  },
): Promise<string> {
  const study = await db.study.findUnique({
    where: { id: input.studyId },
    select: { status: true, kind: true },
  });
  if (!study) throw new AppError("NOT_FOUND", "Study not found");
  if (study.status !== "DRAFT" && study.kind !== "AUDIT") {
    throw new AppError("CONFLICT", "Cases can only be imported while the study is a draft");
  }
  const job = await db.importJob.create({
    data: {
      studyId: input.studyId,
      createdById: input.userId,
      origin: input.origin,
      sourceName: input.sourceName.slice(0, 300),
      skipInvalid: input.options.skipInvalid,
      keepOriginals: input.options.keepOriginals,
    },
    select: { id: true },
  });
  return job.id;
}

/**
 * Runs an import job to its end, recording progress and the outcome on the job's row. The
 * dataset is opened here (a zip is extracted under the job's limits) and always cleaned up.
 */
export async function executeImport(
  db: Db,
  importId: string,
  open: () => Promise<Dataset>,
  enqueue: Enqueue,
  onProgress?: (progress: { total: number; processed: number; problems: number }) => void,
  intake?: AuditIntakeHooks,
): Promise<ImportOutcome> {
  const job = await db.importJob.update({
    where: { id: importId },
    data: { status: "VALIDATING", startedAt: new Date() },
    select: { studyId: true, skipInvalid: true, keepOriginals: true, createdById: true },
  });
  let dataset: Dataset | null = null;
  let outcome: ImportOutcome;
  try {
    dataset = await open();
    outcome = await runImport({
      db,
      studyId: job.studyId,
      dataset,
      options: { skipInvalid: job.skipInvalid, keepOriginals: job.keepOriginals },
      importId,
      intake,
      onProgress: async (progress) => {
        onProgress?.(progress);
        await db.importJob.update({
          where: { id: importId },
          data: { total: progress.total, processed: progress.processed },
        });
      },
    });
  } catch (error) {
    const message =
      error instanceof IngestError
        ? `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}; nothing was imported.`
        : "The import stopped on an internal error; nothing was imported. The server log has the details.";
    if (!(error instanceof IngestError)) console.error("[import]", importId, error);
    outcome = importOutcome("FAILED", { error: message });
  } finally {
    await dataset?.cleanup().catch(() => undefined);
  }
  await db.importJob.update({
    where: { id: importId },
    data: {
      status: outcome.status,
      total: outcome.total,
      processed: outcome.status === "SUCCEEDED" ? outcome.total : undefined,
      imported: outcome.imported,
      unchanged: outcome.unchanged,
      held: outcome.held,
      skippedRows: outcome.skippedRows,
      problems: outcome.problems as unknown as Prisma.InputJsonArray,
      error: outcome.error,
      finishedAt: new Date(),
    },
  });
  await recordAudit(db, {
    actor: job.createdById ?? "cli",
    action: "import.completed",
    subjectType: "study",
    subjectId: job.studyId,
    details: {
      importId,
      status: outcome.status,
      imported: outcome.imported,
      unchanged: outcome.unchanged,
      held: outcome.held,
      skippedRows: outcome.skippedRows,
      keepOriginals: job.keepOriginals,
    },
  });
  if (outcome.generationJobIds.length > 0) {
    // After the commit; if this fails the workers' recovery sweep sends them later.
    await enqueue(outcome.generationJobIds).catch((error: unknown) =>
      console.error("[import] queueing generation jobs failed; the recovery sweep will", error),
    );
  }
  return outcome;
}

/** Starts an import that outlives the request (the browser may close); progress is on its row. */
export function executeImportInBackground(
  db: Db,
  importId: string,
  open: () => Promise<Dataset>,
  enqueue: Enqueue,
): void {
  void executeImport(db, importId, open, enqueue).catch(async (error: unknown) => {
    console.error("[import]", importId, error);
    await db.importJob
      .update({
        where: { id: importId },
        data: {
          status: "FAILED",
          error: "The import stopped on an internal error; the server log has the details.",
          finishedAt: new Date(),
        },
      })
      .catch(() => undefined);
  });
}

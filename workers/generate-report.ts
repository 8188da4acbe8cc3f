import type { Db } from "../server/db/client";
import { isUniqueViolation } from "../server/db/client";
import { generateReportJob } from "../server/jobs/definitions";
import { transitionGenerationJob } from "../server/jobs/mutations";
import { readStoredFile } from "../server/storage";
import { openStudyIfReady } from "../server/studies/mutations";
import { ImageDecodeError, type LoadedReportModel } from "./models/demo-classifier";

export interface ServedModel {
  id: string;
  model: LoadedReportModel;
}

type Log = (line: string) => void;

interface Prepared {
  generationJobId: string;
  caseId: string;
  studyId: string;
  image: Buffer;
}

/**
 * Runs one batch of report-generation jobs: skips what is already done, fails at once
 * what cannot succeed (missing or undecodable image) with a reason the admin can act on,
 * and writes each report and its job state in one transaction.
 */
export async function runGenerateReportBatch(
  db: Db,
  served: ServedModel,
  payloads: readonly unknown[],
  log: Log,
): Promise<void> {
  const prepared: Prepared[] = [];
  const studies = new Set<string>();
  for (const payload of payloads) {
    const parsed = generateReportJob.payload.safeParse(payload);
    if (!parsed.success) {
      log(`dropping a job with an unreadable payload: ${JSON.stringify(payload)}`);
      continue;
    }
    const job = await db.generationJob.findUnique({
      where: { id: parsed.data.generationJobId },
      select: {
        id: true,
        status: true,
        modelId: true,
        case: { select: { id: true, studyId: true, imagePath: true } },
      },
    });
    if (!job || job.status === "SUCCEEDED" || job.status === "FAILED") continue;
    if (job.modelId !== served.id) {
      // Another worker serves that model; throwing makes the queue retry it later.
      throw new Error(`Job ${job.id} needs model ${job.modelId}, this worker serves ${served.id}`);
    }
    studies.add(job.case.studyId);
    const exists = await db.report.findUnique({
      where: { caseId_modelId: { caseId: job.case.id, modelId: served.id } },
      select: { id: true },
    });
    if (exists) {
      await transitionGenerationJob(db, job.id, "SUCCEEDED");
      continue;
    }
    await transitionGenerationJob(db, job.id, "RUNNING");
    try {
      const image = await readStoredFile(job.case.imagePath);
      prepared.push({
        generationJobId: job.id,
        caseId: job.case.id,
        studyId: job.case.studyId,
        image,
      });
    } catch (error) {
      log(`job ${job.id}: image missing: ${String(error)}`);
      await transitionGenerationJob(db, job.id, "FAILED", {
        errorMessage: "The image file is missing from the image store; re-import the case",
      });
    }
  }

  if (prepared.length > 0) {
    const texts = await generateTolerantly(served.model, prepared, db, log);
    for (const [i, item] of prepared.entries()) {
      const result = texts[i];
      if (!result) continue;
      await saveReport(db, served, item, result.text, result.ms);
    }
  }
  for (const studyId of studies) {
    if (await openStudyIfReady(db, studyId)) log(`study ${studyId} is complete and now open`);
  }
}

/**
 * One batch through the model; if one image in it cannot be decoded, the images are run
 * one by one so only the bad case fails.
 */
async function generateTolerantly(
  model: LoadedReportModel,
  prepared: Prepared[],
  db: Db,
  log: Log,
): Promise<({ text: string; ms: number } | null)[]> {
  const started = performance.now();
  try {
    const texts = await model.generate(prepared.map((p) => p.image));
    const ms = Math.round((performance.now() - started) / prepared.length);
    return texts.map((text) => ({ text, ms }));
  } catch (error) {
    if (!(error instanceof ImageDecodeError) || prepared.length === 1) {
      if (error instanceof ImageDecodeError) {
        await failDecode(db, prepared[0]!, error, log);
        return [null];
      }
      throw error;
    }
  }
  const results: ({ text: string; ms: number } | null)[] = [];
  for (const item of prepared) {
    const t0 = performance.now();
    try {
      const [text] = await model.generate([item.image]);
      results.push({ text: text ?? "", ms: Math.round(performance.now() - t0) });
    } catch (error) {
      if (!(error instanceof ImageDecodeError)) throw error;
      await failDecode(db, item, error, log);
      results.push(null);
    }
  }
  return results;
}

async function failDecode(db: Db, item: Prepared, error: ImageDecodeError, log: Log) {
  log(`job ${item.generationJobId}: ${error.message}`);
  await transitionGenerationJob(db, item.generationJobId, "FAILED", {
    errorMessage:
      "The image could not be decoded (corrupt or not an image); replace the file and retry",
  });
}

async function saveReport(db: Db, served: ServedModel, item: Prepared, text: string, ms: number) {
  try {
    await db.$transaction(async (tx) => {
      await tx.report.create({
        data: {
          caseId: item.caseId,
          source: "AI",
          modelId: served.id,
          text,
          provider: served.model.provider,
          generationMs: ms,
        },
      });
      await transitionGenerationJob(tx, item.generationJobId, "SUCCEEDED");
    });
  } catch (error) {
    // The job ran twice (redelivery): the first report stands, and this one changes nothing.
    if (!isUniqueViolation(error)) throw error;
    await transitionGenerationJob(db, item.generationJobId, "SUCCEEDED");
  }
}

import type { Prisma } from "@prisma/client";
import type { Db } from "../server/db/client";
import { generateReportJob } from "../server/jobs/definitions";
import { transitionGenerationJob, transitionGenerationJobs } from "../server/jobs/mutations";
import { readStoredFile } from "../server/storage";
import { openStudyIfReady } from "../server/studies/mutations";
import { ImageDecodeError, PermanentModelError, type ReportModel } from "./models/types";

export interface ServedModel {
  id: string;
  model: ReportModel;
  /** This process, as recorded on the jobs it claims (host:pid). */
  worker?: string;
  /**
   * The model version's registered parameters, recorded on every report unless the model
   * says which settings it really used (model.parameters).
   */
  parameters?: Prisma.InputJsonValue;
}

export interface QueuedJob {
  data: unknown;
  /** True when the queue will not retry this job again after a failure. */
  isLastAttempt: boolean;
}

type Log = (line: string) => void;

interface Claimed {
  generationJobId: string;
  isLastAttempt?: boolean;
  caseId: string;
  studyId: string;
  image: Buffer;
}

const DECODE_FAILURE =
  "The image could not be decoded (corrupt or not an image); replace the file and retry";

/**
 * Runs one batch of report-generation jobs: skips what is done or claimed by another
 * worker, fails at once what cannot succeed (missing or undecodable image, model files that
 * changed since registration) with a reason the admin can act on, and writes each report
 * and its job state in one transaction. On an unexpected error the claimed jobs go back to
 * the queue, or fail on their last attempt, and the error is rethrown so the queue retries
 * with backoff.
 *
 * Several batches may run at once in one process: their reading and preprocessing overlap,
 * while the model itself takes one batch at a time.
 */
export async function runGenerateReportBatch(
  db: Db,
  served: ServedModel,
  jobs: readonly QueuedJob[],
  log: Log,
): Promise<void> {
  const claimed: Claimed[] = [];
  const studies = new Set<string>();
  try {
    claimed.push(...(await claimBatch(db, served, jobs, studies, log)));
    if (claimed.length > 0) {
      const texts = await generate(served.model, claimed, db, log);
      await saveReports(
        db,
        served,
        claimed.flatMap((item, i) => {
          const result = texts[i];
          return result ? [{ item, ...result }] : [];
        }),
      );
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log(`batch failed: ${reason}`);
    if (error instanceof PermanentModelError) {
      // No retry can help: fail the jobs now, and let the queue consider them done.
      for (const item of claimed) {
        await transitionGenerationJob(db, item.generationJobId, "FAILED", { errorMessage: reason });
      }
      return;
    }
    // Each job by its own attempts: a job on its last one fails, the others go back.
    for (const item of claimed) {
      await transitionGenerationJob(
        db,
        item.generationJobId,
        item.isLastAttempt ? "FAILED" : "QUEUED",
        item.isLastAttempt
          ? { errorMessage: `Report generation failed repeatedly: ${reason}` }
          : {},
      );
    }
    throw error;
  }
  for (const studyId of studies) {
    try {
      if (await openStudyIfReady(db, studyId)) log(`study ${studyId} is complete and now open`);
    } catch (error) {
      // The reports are written; the study stays a draft and the admin page says why.
      log(`study ${studyId} cannot open: ${error instanceof Error ? error.message : error}`);
    }
  }
}

/**
 * Claims a batch's jobs (QUEUED to RUNNING, in one statement: another worker may win some)
 * and reads their images. A job whose report already exists (it ran twice) is only marked
 * done; a missing image fails its job. Every job's study goes into `studies`.
 */
async function claimBatch(
  db: Db,
  served: ServedModel,
  jobs: readonly QueuedJob[],
  studies: Set<string>,
  log: Log,
): Promise<Claimed[]> {
  const lastAttempt = new Map<string, boolean>();
  for (const job of jobs) {
    const parsed = generateReportJob.payload.safeParse(job.data);
    if (!parsed.success) {
      log(`dropping a job with an unreadable payload: ${JSON.stringify(job.data)}`);
      continue;
    }
    lastAttempt.set(parsed.data.generationJobId, job.isLastAttempt);
  }
  if (lastAttempt.size === 0) return [];
  const rows = await db.generationJob.findMany({
    where: { id: { in: [...lastAttempt.keys()] }, modelId: served.id },
    select: { id: true, case: { select: { id: true, studyId: true, imagePath: true } } },
  });
  for (const row of rows) studies.add(row.case.studyId);
  const reported = new Set(
    (
      await db.report.findMany({
        where: { modelId: served.id, caseId: { in: rows.map((r) => r.case.id) } },
        select: { caseId: true },
      })
    ).map((r) => r.caseId),
  );
  const [done, todo] = [
    rows.filter((r) => reported.has(r.case.id)),
    rows.filter((r) => !reported.has(r.case.id)),
  ];
  await transitionGenerationJobs(
    db,
    done.map((r) => r.id),
    "SUCCEEDED",
  );
  const won = new Set(
    await transitionGenerationJobs(
      db,
      todo.map((r) => r.id),
      "RUNNING",
      { worker: served.worker },
    ),
  );
  const read = await Promise.all(
    todo
      .filter((job) => won.has(job.id))
      .map(async (job): Promise<Claimed | null> => {
        try {
          return {
            generationJobId: job.id,
            isLastAttempt: lastAttempt.get(job.id),
            caseId: job.case.id,
            studyId: job.case.studyId,
            image: await readStoredFile(job.case.imagePath),
          };
        } catch (error) {
          log(`job ${job.id}: image missing: ${String(error)}`);
          await transitionGenerationJob(db, job.id, "FAILED", {
            errorMessage: "The image file is missing from the image store; re-import the case",
          });
          return null;
        }
      }),
  );
  return read.filter((c): c is Claimed => c !== null);
}

/** One model inference at a time per model: batches queue here, already preprocessed. */
const inferenceTails = new WeakMap<object, Promise<unknown>>();

function oneAtATime<T>(model: object, run: () => Promise<T>): Promise<T> {
  const result = (inferenceTails.get(model) ?? Promise.resolve()).then(run);
  inferenceTails.set(
    model,
    result.catch(() => undefined),
  );
  return result;
}

/**
 * Preprocesses the batch, fails the jobs of images that cannot be decoded, and runs the
 * model once on the rest. The time recorded per report is its share of the preprocessing
 * and of the model's run, not the wait for the model.
 */
async function generate(
  model: ReportModel,
  claimed: Claimed[],
  db: Db,
  log: Log,
): Promise<({ text: string; ms: number } | null)[]> {
  const t0 = performance.now();
  const prepared = await model.prepare(claimed.map((c) => c.image));
  const prepareMs = performance.now() - t0;
  const good: number[] = [];
  for (const [i, item] of prepared.entries()) {
    if (!(item instanceof ImageDecodeError)) {
      good.push(i);
      continue;
    }
    const job = claimed[i]!;
    log(`job ${job.generationJobId}: ${item.message}`);
    await transitionGenerationJob(db, job.generationJobId, "FAILED", {
      errorMessage: DECODE_FAILURE,
    });
  }
  const results: ({ text: string; ms: number } | null)[] = claimed.map(() => null);
  if (good.length === 0) return results;
  const { texts, ms } = await oneAtATime(model, async () => {
    const t1 = performance.now();
    const texts = await model.infer(good.map((i) => prepared[i]));
    return { texts, ms: performance.now() - t1 };
  });
  const each = Math.round((prepareMs + ms) / good.length);
  good.forEach((i, k) => (results[i] = { text: texts[k] ?? "", ms: each }));
  return results;
}

/**
 * Writes a batch's reports and marks their jobs done, in one transaction. A report that
 * already exists (the job ran twice, redelivered) stands: the new one is skipped.
 */
async function saveReports(
  db: Db,
  served: ServedModel,
  results: { item: Claimed; text: string; ms: number }[],
) {
  if (results.length === 0) return;
  const parameters =
    (served.model.parameters as Prisma.InputJsonObject | undefined) ?? served.parameters ?? {};
  await db.$transaction(async (tx) => {
    await tx.report.createMany({
      data: results.map(({ item, text, ms }) => ({
        caseId: item.caseId,
        source: "AI" as const,
        modelId: served.id,
        text,
        provider: served.model.provider,
        generationMs: ms,
        parameters,
      })),
      skipDuplicates: true,
    });
    await transitionGenerationJobs(
      tx,
      results.map((r) => r.item.generationJobId),
      "SUCCEEDED",
    );
  });
}

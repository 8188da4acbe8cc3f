import { createHmac, randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import os from "node:os";
import type { Prisma } from "@prisma/client";
import type { Db } from "../db/client";
import { isUniqueViolation } from "../db/client";
import { getEnv } from "../env";
import { getImageStore, sha256, sha256OfFile } from "../storage";
import { IngestError } from "./errors";
import { prepareImage, type PreparedImage } from "./images";
import { parseManifest, type ManifestRow, type Problem } from "./manifest";
import { ingestLimits, resolveInDataset, type Dataset, type IngestLimits } from "./source";

export interface ImportOptions {
  skipInvalid: boolean;
  keepOriginals: boolean;
}

export interface ImportProgress {
  total: number;
  processed: number;
  problems: number;
}

export interface ImportOutcome {
  status: "SUCCEEDED" | "FAILED";
  total: number;
  imported: number;
  unchanged: number;
  held: number;
  skippedRows: number;
  problems: Problem[];
  error: string | null;
  /** Generation jobs created for the imported cases, to put on the queue. */
  generationJobIds: string[];
  /** Case ids (database) of imported cases, in manifest order. */
  caseIds: string[];
}

/** A row with its files checked and its content hash computed. */
interface CheckedRow {
  row: ManifestRow;
  files: string[];
  contentHash: string;
}

/** What the transaction needs of a prepared row; the image bytes are in the store by then. */
interface PreparedRow extends CheckedRow {
  primary: Pick<PreparedImage, "info" | "deidentification" | "heldReason"> & {
    displaySha256: string;
  };
  stored: {
    display: string;
    full16: string | null;
    thumb: string;
    original: string | null;
    extra: string[];
  };
}

/**
 * Runs fn over items with at most `limit` at a time, results in order of items. After a
 * failure no new item starts, and the first error is thrown once every running one has ended
 * (so that cleaning up after it sees everything that was written).
 */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  });
  await Promise.all(workers);
  if (failure) throw (failure as { error: unknown }).error;
  return results;
}

/**
 * Content hash of a row: keyed by the study's secret, so the database holds no plain hash of
 * source files (which could confirm that a given patient file was imported).
 */
function contentHash(salt: string, row: ManifestRow, fileHashes: string[]): string {
  const canonical = JSON.stringify({
    caseId: row.caseId,
    report: row.report,
    isAbnormal: row.isAbnormal,
    findingTags: row.findingTags,
    site: row.site,
    aiReports: row.aiReports,
    files: fileHashes,
  });
  return createHmac("sha256", salt).update(canonical).digest("hex");
}

function describeFailure(problems: Problem[], rows: number, fatal = false): string {
  if (fatal) return "The dataset as a whole has a problem (see below); nothing was imported.";
  return `${problems.length} problem${problems.length === 1 ? "" : "s"} in ${rows} row${rows === 1 ? "" : "s"}; nothing was imported. Fix them, or import again skipping invalid rows to import only the valid ones.`;
}

/** An outcome with nothing done, then what `extra` says. */
export function importOutcome(
  status: ImportOutcome["status"],
  extra: Partial<ImportOutcome> = {},
): ImportOutcome {
  return {
    status,
    total: 0,
    imported: 0,
    unchanged: 0,
    held: 0,
    skippedRows: 0,
    problems: [],
    error: null,
    generationJobIds: [],
    caseIds: [],
    ...extra,
  };
}

export interface RunImportParams {
  db: Db;
  studyId: string;
  dataset: Dataset;
  options: ImportOptions;
  limits?: IngestLimits;
  /** The import job the cases are recorded under. */
  importId?: string;
  onProgress?: (progress: ImportProgress) => void | Promise<void>;
  /** A case sent to an open audit, rather than a dataset for a draft study. */
  intake?: AuditIntakeHooks;
}

export interface AuditIntakeHooks {
  /** The served model that writes the AI report, when the case came without one. */
  generateWith: string | null;
  /** Records the audit's side of a new case (its sampling), in the import's transaction. */
  afterCase: (tx: Prisma.TransactionClient, caseId: string) => Promise<void>;
}

/**
 * Imports a dataset into a draft study, all or nothing. Every row is checked and every image
 * prepared (decoded, de-identified, derived) before anything is written to the database; the
 * cases are then created in one transaction. Derived files of an import that fails are
 * removed again. Re-importing a row adds nothing; a changed row under an existing case id is
 * a conflict, never an overwrite.
 */
export async function runImport(params: RunImportParams): Promise<ImportOutcome> {
  const { db, studyId, dataset, options } = params;
  const limits = params.limits ?? ingestLimits();
  const store = getImageStore();
  const written: string[] = [];
  const removeWritten = async () => {
    await Promise.all(written.map((key) => store.delete(key).catch(() => undefined)));
  };

  const study = await db.study.findUnique({
    where: { id: studyId },
    select: {
      status: true,
      kind: true,
      deidSalt: true,
      models: { select: { model: { select: { id: true, kind: true } } } },
    },
  });
  if (!study) return importOutcome("FAILED", { error: "Study not found." });
  // An audit takes cases while it runs; a reader study only before it opens.
  const intake = params.intake ?? null;
  if (intake && study.kind !== "AUDIT")
    return importOutcome("FAILED", { error: "Audit not found." });
  if (!intake && study.status !== "DRAFT") {
    return importOutcome("FAILED", {
      error: "Cases can only be imported while the study is a draft.",
    });
  }

  const manifestInfo = await stat(dataset.manifest);
  if (manifestInfo.size > limits.maxFileBytes) {
    return importOutcome("FAILED", {
      error: `The manifest is larger than the ${Math.round(limits.maxFileBytes / 1048576)} MB file limit.`,
    });
  }
  const manifest = parseManifest(await readFile(dataset.manifest), dataset.format);
  const problems: Problem[] = [...manifest.problems];
  // Rows the manifest check already refused count as checked.
  let processed = manifest.total - manifest.rows.length;
  let lastReport = 0;
  const report = async (force = false) => {
    const now = Date.now();
    if (!force && now - lastReport < 500) return;
    lastReport = now;
    await params.onProgress?.({ total: manifest.total, processed, problems: problems.length });
  };
  await report(true);
  if (manifest.fatal) {
    return importOutcome("FAILED", {
      total: manifest.total,
      problems,
      error: describeFailure(problems, 0, true),
    });
  }

  // Cheap checks first: every file exists and fits, and no row conflicts with the study.
  const existing = new Map(
    (
      await db.case.findMany({
        where: { studyId, externalId: { in: manifest.rows.map((r) => r.caseId) } },
        select: { externalId: true, contentHash: true },
      })
    ).map((c) => [c.externalId, c.contentHash]),
  );
  const servedModels = await db.aiModel.findMany({
    where: { kind: { not: "EXTERNAL" } },
    select: { name: true, version: true },
  });
  const served = new Set(servedModels.map((m) => `${m.name}\u0000${m.version}`));
  let unchanged = 0;
  const checked: CheckedRow[] = [];
  let totalBytes = 0;
  for (const row of manifest.rows) {
    const rowProblems: string[] = [];
    const files: string[] = [];
    for (const image of row.images) {
      try {
        const file = await resolveInDataset(dataset.root, image);
        const info = await stat(file);
        if (!info.isFile()) throw new IngestError(`${image} is not a file`);
        if (info.size > limits.maxFileBytes) {
          throw new IngestError(
            `${image} is larger than the ${Math.round(limits.maxFileBytes / 1048576)} MB file limit`,
          );
        }
        totalBytes += info.size;
        files.push(file);
      } catch (error) {
        if (!(error instanceof IngestError)) throw error;
        rowProblems.push(error.message);
      }
    }
    for (const ai of row.aiReports) {
      if (served.has(`${ai.model}\u0000${ai.version}`)) {
        rowProblems.push(
          `AI model ${ai.model} ${ai.version} is registered here as a served model; name imported reports' model differently`,
        );
      }
    }
    if (rowProblems.length === 0) {
      const hash = contentHash(study.deidSalt, row, await Promise.all(files.map(sha256OfFile)));
      const previous = existing.get(row.caseId);
      if (previous === hash) {
        unchanged++;
        processed++;
        continue;
      }
      if (previous !== undefined) {
        rowProblems.push(
          `case ${row.caseId} already exists in this study with other content (report, labels or images differ); it was not overwritten: use a new case id, or remove the old case first`,
        );
      } else {
        checked.push({ row, files, contentHash: hash });
      }
    }
    for (const message of rowProblems) problems.push({ row: row.row, caseId: row.caseId, message });
    if (rowProblems.length > 0) processed++;
  }
  if (totalBytes > limits.maxTotalBytes) {
    problems.push({
      row: null,
      caseId: null,
      message: `the images add up to more than the ${Math.round(limits.maxTotalBytes / 1048576)} MB total limit`,
    });
    return importOutcome("FAILED", {
      total: manifest.total,
      problems,
      error: describeFailure(problems, 0, true),
    });
  }
  await report(true);

  // The expensive part: decode, de-identify and derive every image, storing the derivatives.
  const concurrency = getEnv().BLINDREAD_IMPORT_CONCURRENCY ?? os.availableParallelism();
  const prepared: (PreparedRow | null)[] = [];
  try {
    const results = await mapLimit(checked, concurrency, async (entry) => {
      const keyPrefix = `studies/${studyId}/cases/${randomBytes(12).toString("hex")}`;
      try {
        const images: PreparedImage[] = [];
        for (const file of entry.files) {
          images.push(
            await prepareImage(await readFile(file), {
              studyKey: study.deidSalt,
              keepOriginal: options.keepOriginals,
            }),
          );
        }
        const primary = images[0]!;
        const put = async (name: string, bytes: Buffer) => {
          const key = `${keyPrefix}/${name}`;
          written.push(key);
          await store.put(key, bytes);
          return key;
        };
        const stored = {
          display: await put("display.png", primary.display),
          full16: primary.full16 ? await put("full16.png", primary.full16) : null,
          thumb: await put("thumb.jpg", primary.thumbnail),
          original: primary.original
            ? await put(`original.${primary.original.extension}`, primary.original.bytes)
            : null,
          extra: [] as string[],
        };
        for (const [i, image] of images.slice(1).entries()) {
          stored.extra.push(await put(`view${i + 2}.png`, image.display));
          if (image.original) {
            stored.extra.push(
              await put(`original${i + 2}.${image.original.extension}`, image.original.bytes),
            );
          }
        }
        // Only what the transaction needs is kept: holding every image until then would make
        // memory grow with the dataset.
        return {
          ...entry,
          primary: {
            info: primary.info,
            deidentification: primary.deidentification,
            // Any view that may show identifiers holds the whole case.
            heldReason: images.find((i) => i.heldReason)?.heldReason ?? null,
            displaySha256: sha256(primary.display),
          },
          stored,
        };
      } catch (error) {
        if (!(error instanceof IngestError)) throw error;
        const which =
          entry.row.images.length > 1 ? " (one of its images)" : ` (${entry.row.images[0]})`;
        problems.push({
          row: entry.row.row,
          caseId: entry.row.caseId,
          message: `image${which}: ${error.message}`,
        });
        return null;
      } finally {
        processed++;
        await report();
      }
    });
    prepared.push(...results);
  } catch (error) {
    await removeWritten();
    throw error;
  }
  await report(true);

  const invalidRows = new Set(problems.map((p) => p.row)).size;
  if (problems.length > 0 && !options.skipInvalid) {
    await removeWritten();
    return importOutcome("FAILED", {
      total: manifest.total,
      unchanged,
      problems,
      error: describeFailure(problems, invalidRows),
    });
  }

  const valid = prepared.filter((p): p is PreparedRow => p !== null);
  try {
    const created = await db.$transaction(
      async (tx) => {
        // Checked again under the study's row lock: the study may have opened while the
        // images were being prepared, and openStudy takes the same lock.
        const [current] = await tx.$queryRaw<{ status: string }[]>`
          SELECT status::text FROM studies WHERE id = ${studyId} FOR UPDATE`;
        if (current?.status !== (intake ? "OPEN" : "DRAFT")) {
          throw new IngestError("the study was opened while the import was running");
        }
        // Imported reports are attributed to EXTERNAL models, which the study then includes.
        const externalIds = new Map<string, string>();
        for (const ai of valid.flatMap((v) => v.row.aiReports)) {
          const key = `${ai.model}\u0000${ai.version}`;
          if (externalIds.has(key)) continue;
          const model = await tx.aiModel.upsert({
            where: { name_version: { name: ai.model, version: ai.version } },
            create: { name: ai.model, version: ai.version, kind: "EXTERNAL", sha256: "", path: "" },
            update: {},
            select: { id: true, kind: true },
          });
          // An audited model's reports may come from the very version registered here.
          if (model.kind !== "EXTERNAL" && !intake) {
            throw new IngestError(
              `AI model ${ai.model} ${ai.version} is registered as a served model`,
            );
          }
          externalIds.set(key, model.id);
          await tx.studyModel.upsert({
            where: { studyId_modelId: { studyId, modelId: model.id } },
            create: { studyId, modelId: model.id },
            update: {},
          });
        }
        const generated = intake
          ? intake.generateWith
            ? [intake.generateWith]
            : []
          : study.models.filter((m) => m.model.kind !== "EXTERNAL").map((m) => m.model.id);
        const caseIds: string[] = [];
        const jobIds: string[] = [];
        let held = 0;
        for (const entry of valid) {
          const { row, primary, stored } = entry;
          const info = {
            ...primary.info,
            views: entry.files.length,
            // Every other file stored for the case, so that removing the case removes them.
            extraKeys: stored.extra,
          } as unknown as Prisma.InputJsonObject;
          const created = await tx.case.create({
            data: {
              studyId,
              externalId: row.caseId,
              imagePath: stored.display,
              imageSha256: primary.displaySha256,
              image16Path: stored.full16,
              thumbPath: stored.thumb,
              originalPath: stored.original,
              imageInfo: info,
              deidentification: primary.deidentification as unknown as Prisma.InputJsonObject,
              contentHash: entry.contentHash,
              importId: params.importId ?? null,
              heldReason: primary.heldReason,
              isAbnormal: row.isAbnormal,
              findingTags: row.findingTags,
              site: row.site,
              reports: {
                create: [
                  { source: "GROUND_TRUTH", text: row.report },
                  ...row.aiReports.map((ai) => ({
                    source: "AI" as const,
                    text: ai.text,
                    modelId: externalIds.get(`${ai.model}\u0000${ai.version}`)!,
                  })),
                ],
              },
            },
            select: { id: true },
          });
          caseIds.push(created.id);
          await intake?.afterCase(tx, created.id);
          if (primary.heldReason) {
            held++;
            continue;
          }
          if (generated.length > 0) {
            const jobs = await tx.generationJob.createManyAndReturn({
              data: generated.map((modelId) => ({ caseId: created.id, modelId })),
              select: { id: true },
            });
            jobIds.push(...jobs.map((j) => j.id));
          }
        }
        return { caseIds, jobIds, held };
      },
      { timeout: 600_000, maxWait: 30_000 },
    );
    return importOutcome("SUCCEEDED", {
      total: manifest.total,
      imported: created.caseIds.length,
      unchanged,
      held: created.held,
      skippedRows: invalidRows,
      problems,
      generationJobIds: created.jobIds,
      caseIds: created.caseIds,
    });
  } catch (error) {
    await removeWritten();
    if (isUniqueViolation(error)) {
      return importOutcome("FAILED", {
        total: manifest.total,
        problems,
        error:
          "Another import added some of these case ids at the same time; nothing was imported. Import again to see which.",
      });
    }
    if (error instanceof IngestError)
      return importOutcome("FAILED", {
        total: manifest.total,
        problems,
        error: `${error.message}; nothing was imported.`,
      });
    throw error;
  }
}

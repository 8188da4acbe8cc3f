import { randomBytes, randomInt } from "node:crypto";
import { recordAudit } from "../audit/record";
import type { Db } from "../db/client";
import { isUniqueViolation } from "../db/client";
import { deriveSeed } from "../lib/rng";
import { AppError } from "../errors";
import { orderInSessions, orderWithWashout, splitCases } from "./assignment";
import { readDesign, type StudyDesign } from "./design";
import {
  addCaseInput,
  createStudyInput,
  updateDesignInput,
  type AddCaseInput,
  type CreateStudyInput,
} from "./schema";

/** An unguessable handle for readers' browsers, which never see database ids. */
export function newOpaqueToken(): string {
  return randomBytes(18).toString("base64url");
}

/** Success levels must be levels of the scale readers will see. */
function checkLevels(design: StudyDesign, successLevels: string[], stringentLevels: string[]) {
  const levels = new Set<string>(design.scale.map((s) => s.level));
  const stray = [...new Set([...successLevels, ...stringentLevels])].filter((l) => !levels.has(l));
  if (stray.length > 0) {
    throw new AppError(
      "BAD_REQUEST",
      `Success levels ${stray.join(", ")} are not on the study's scale (${[...levels].join(", ")})`,
    );
  }
}

export async function createStudy(db: Db, input: CreateStudyInput, actor = "cli") {
  const data = createStudyInput.parse(input);
  checkLevels(data.design, data.successLevels, data.stringentLevels);
  const readers = await db.user.findMany({
    where: { id: { in: data.readerIds }, role: "READER", isActive: true },
    select: { id: true },
  });
  if (readers.length !== new Set(data.readerIds).size) {
    throw new AppError("BAD_REQUEST", "Every reader must be an active user with the READER role");
  }
  const study = await db.study.create({
    data: {
      name: data.name,
      description: data.description,
      seed: data.seed ?? randomInt(0, 2 ** 31 - 1),
      openWhenReady: data.openWhenReady,
      design: data.design,
      successLevels: [...new Set(data.successLevels)],
      stringentLevels: [...new Set(data.stringentLevels)],
      models: { create: data.modelIds.map((modelId) => ({ modelId })) },
      // In the order given: pseudonyms R1, R2, ... follow the order readers joined.
      readers: {
        create: [...new Set(data.readerIds)].map((userId) => ({ userId, token: newOpaqueToken() })),
      },
    },
    select: { id: true, seed: true },
  });
  await recordAudit(db, {
    actor,
    action: "study.created",
    subjectType: "study",
    subjectId: study.id,
    details: {
      name: data.name,
      seed: study.seed,
      design: data.design,
      readers: data.readerIds.length,
    },
  });
  return study;
}

/**
 * Adds a case with its ground-truth report and queues one generation job per model of
 * the study, all in one transaction. Returns the generation job ids to put on the queue.
 */
export async function addCase(
  db: Db,
  input: AddCaseInput,
): Promise<{ caseId: string; generationJobIds: string[] }> {
  const data = addCaseInput.parse(input);
  try {
    return await db.$transaction(async (tx) => {
      const study = await tx.study.findUnique({
        where: { id: data.studyId },
        select: {
          status: true,
          models: { select: { modelId: true, model: { select: { kind: true } } } },
        },
      });
      if (!study) throw new AppError("NOT_FOUND", "Study not found");
      if (study.status !== "DRAFT") {
        throw new AppError("CONFLICT", "Cases can only be added while the study is a draft");
      }
      const created = await tx.case.create({
        data: {
          studyId: data.studyId,
          externalId: data.externalId,
          imagePath: data.imagePath,
          imageSha256: data.imageSha256,
          isAbnormal: data.isAbnormal,
          findingTags: data.findingTags,
          site: data.site,
          reports: { create: { source: "GROUND_TRUTH", text: data.groundTruthReport } },
        },
        select: { id: true },
      });
      const jobs = await tx.generationJob.createManyAndReturn({
        // Reports of EXTERNAL models come with the data; nothing generates them.
        data: study.models
          .filter((m) => m.model.kind !== "EXTERNAL")
          .map((m) => ({ caseId: created.id, modelId: m.modelId })),
        select: { id: true },
      });
      return { caseId: created.id, generationJobIds: jobs.map((j) => j.id) };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("CONFLICT", `Case ${data.externalId} already exists in this study`);
    }
    throw error;
  }
}

/**
 * Opening writes every reader's list (readers x items rows) in one transaction: Prisma's
 * default 5 s limit expired opening 50 readers x 120 items on two busy cores. It runs once per
 * study, so it gets as long as an import's commit.
 */
const OPEN_TRANSACTION = { timeout: 600_000, maxWait: 30_000 };

/**
 * Opens a draft study: builds every reader's order from the recorded seed over the cases
 * that have all their reports (cases whose AI report failed are left out and stay listed
 * as failed). Safe to call concurrently: only the caller that flips DRAFT to OPEN builds.
 */
export async function openStudy(
  db: Db,
  studyId: string,
  actor = "system",
): Promise<{ opened: boolean; items: number }> {
  return db.$transaction(async (tx) => {
    const flipped = await tx.study.updateMany({
      where: { id: studyId, status: "DRAFT" },
      data: { status: "OPEN", openedAt: new Date() },
    });
    if (flipped.count === 0) return { opened: false, items: 0 };

    const study = await tx.study.findUniqueOrThrow({
      where: { id: studyId },
      select: {
        seed: true,
        design: true,
        models: { select: { modelId: true } },
        readers: { select: { id: true, userId: true }, orderBy: { id: "asc" } },
        // Ordered, so that the same seed always gives the same reading order.
        // Held cases wait for an admin's review of their pixels and are not read.
        cases: {
          where: { heldReason: null },
          orderBy: { id: "asc" },
          select: {
            id: true,
            reports: { orderBy: { id: "asc" }, select: { id: true, modelId: true } },
          },
        },
      },
    });
    const modelIds = study.models.map((m) => m.modelId);
    if (modelIds.length === 0) {
      throw new AppError(
        "CONFLICT",
        "The study has no AI source: add a model, or import AI reports with the cases",
      );
    }
    const reports = study.cases.flatMap((c) => {
      const hasGroundTruth = c.reports.some((r) => r.modelId === null);
      const hasAll = modelIds.every((id) => c.reports.some((r) => r.modelId === id));
      return hasGroundTruth && hasAll
        ? c.reports.map((r) => ({ reportId: r.id, caseId: c.id }))
        : [];
    });
    if (reports.length === 0) {
      throw new AppError("CONFLICT", "No case has all its reports yet; nothing to read");
    }
    const readableCases = new Set(reports.map((r) => r.caseId)).size;
    if (readableCases < 2) {
      throw new AppError(
        "CONFLICT",
        "A study needs at least two cases with all their reports, so that the reports of one image are never read one after the other",
      );
    }
    const design = readDesign(study.design);
    let split: Map<string, Set<string>> | null = null;
    if (design.type === "split") {
      try {
        split = splitCases(
          [...new Set(reports.map((r) => r.caseId))],
          study.readers.map((r) => r.userId),
          design.readersPerCase,
          study.seed,
        );
      } catch (error) {
        throw new AppError("CONFLICT", (error as Error).message);
      }
    }
    let items = 0;
    for (const reader of study.readers) {
      // Masked to 31 bits to fit the PostgreSQL integer it is recorded in.
      const orderSeed = deriveSeed(study.seed, `reader:${reader.userId}`) & 0x7fffffff;
      const mine = split ? reports.filter((r) => split.get(reader.userId)!.has(r.caseId)) : reports;
      let order: { reportId: string; session: number }[];
      try {
        order =
          design.washoutDays > 0
            ? orderInSessions(mine, orderSeed)
            : orderWithWashout(mine, orderSeed, design.washoutItems).map((reportId) => ({
                reportId,
                session: 1,
              }));
      } catch (error) {
        throw new AppError("CONFLICT", (error as Error).message);
      }
      await tx.studyReader.update({ where: { id: reader.id }, data: { orderSeed } });
      await tx.readingItem.createMany({
        data: order.map(({ reportId, session }, index) => ({
          studyId,
          studyReaderId: reader.id,
          reportId,
          session,
          position: index + 1,
          token: newOpaqueToken(),
        })),
      });
      items += order.length;
    }
    await recordAudit(tx, {
      actor,
      action: "study.opened",
      subjectType: "study",
      subjectId: studyId,
      details: { items, readers: study.readers.length, seed: study.seed },
    });
    return { opened: true, items };
  }, OPEN_TRANSACTION);
}

/** Opens a study flagged to open by itself once no generation job is pending. */
export async function openStudyIfReady(db: Db, studyId: string): Promise<boolean> {
  const study = await db.study.findUnique({
    where: { id: studyId },
    select: { status: true, openWhenReady: true },
  });
  if (!study || study.status !== "DRAFT" || !study.openWhenReady) return false;
  const pending = await db.generationJob.count({
    where: { case: { studyId }, status: { in: ["QUEUED", "RUNNING"] } },
  });
  if (pending > 0) return false;
  return (await openStudy(db, studyId)).opened;
}

/**
 * Changes how a draft study will be read. The design is fixed when the study opens (its
 * reading lists are built from it), so once it is open, let alone rated, this is refused.
 */
export async function updateStudyDesign(db: Db, input: unknown, actor = "cli") {
  const data = updateDesignInput.parse(input);
  checkLevels(data.design, data.successLevels, data.stringentLevels);
  const ratings = await db.rating.count({ where: { item: { studyId: data.id } } });
  const updated =
    ratings > 0
      ? { count: 0 }
      : await db.study.updateMany({
          where: { id: data.id, status: "DRAFT" },
          data: {
            design: data.design,
            successLevels: [...new Set(data.successLevels)],
            stringentLevels: [...new Set(data.stringentLevels)],
          },
        });
  if (updated.count === 0) {
    if (!(await db.study.count({ where: { id: data.id } }))) {
      throw new AppError("NOT_FOUND", "Study not found");
    }
    throw new AppError(
      "CONFLICT",
      "The design is fixed once the study opens: its reading lists were built from it",
    );
  }
  await recordAudit(db, {
    actor,
    action: "study.design_changed",
    subjectType: "study",
    subjectId: data.id,
    details: {
      design: data.design,
      successLevels: data.successLevels,
      stringentLevels: data.stringentLevels,
    },
  });
  return { updated: true as const };
}

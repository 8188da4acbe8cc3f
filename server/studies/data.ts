import type { DbClient } from "../db/client";
import { AppError } from "../errors";
import { readDesign } from "./design";
import type { StudyDetail } from "./schema";

export async function listStudies(db: DbClient) {
  // Audits have their own list (their studies only hold their cases and queues).
  const studies = await db.study.findMany({
    where: { kind: "READER_STUDY" },
    orderBy: { createdAt: "desc" },
    select: {
      id: true,
      name: true,
      status: true,
      createdAt: true,
      _count: { select: { cases: true, readers: true, items: true } },
    },
  });
  const rated = await db.readingItem.groupBy({
    by: ["studyId"],
    where: { rating: { isNot: null } },
    _count: { _all: true },
  });
  const ratingsByStudy = new Map(rated.map((r) => [r.studyId, r._count._all]));
  return studies.map((s) => ({
    id: s.id,
    name: s.name,
    status: s.status,
    cases: s._count.cases,
    readers: s._count.readers,
    items: s._count.items,
    ratings: ratingsByStudy.get(s.id) ?? 0,
    createdAt: s.createdAt.toISOString(),
  }));
}

export async function getStudyDetail(db: DbClient, studyId: string): Promise<StudyDetail> {
  const study = await db.study.findUnique({
    where: { id: studyId },
    select: {
      id: true,
      name: true,
      description: true,
      status: true,
      seed: true,
      design: true,
      successLevels: true,
      stringentLevels: true,
      createdAt: true,
      models: {
        select: { model: { select: { id: true, name: true, version: true, isDemo: true } } },
      },
      readers: {
        orderBy: { id: "asc" },
        select: {
          finishedAt: true,
          user: { select: { name: true, email: true } },
          _count: { select: { items: true } },
          items: { where: { rating: { isNot: null } }, select: { id: true } },
        },
      },
      cases: {
        orderBy: { externalId: "asc" },
        select: {
          id: true,
          externalId: true,
          findingTags: true,
          isAbnormal: true,
          heldReason: true,
          jobs: { select: { status: true, errorMessage: true } },
        },
      },
      _count: { select: { cases: true, readers: true, items: true } },
    },
  });
  if (!study) throw new AppError("NOT_FOUND", "Study not found");
  const ratings = study.readers.reduce((sum, r) => sum + r.items.length, 0);
  return {
    id: study.id,
    name: study.name,
    description: study.description,
    status: study.status,
    seed: study.seed,
    design: readDesign(study.design),
    successLevels: study.successLevels,
    stringentLevels: study.stringentLevels,
    createdAt: study.createdAt.toISOString(),
    cases: study._count.cases,
    readers: study._count.readers,
    items: study._count.items,
    ratings,
    models: study.models.map((m) => m.model),
    readerProgress: study.readers.map((r) => ({
      name: r.user.name,
      email: r.user.email,
      rated: r.items.length,
      total: r._count.items,
      finished: r.finishedAt !== null,
    })),
    caseList: study.cases.map((c) => {
      const failed = c.jobs.find((j) => j.status === "FAILED");
      const pending = c.jobs.some((j) => j.status === "QUEUED" || j.status === "RUNNING");
      return {
        id: c.id,
        externalId: c.externalId,
        findingTags: c.findingTags,
        isAbnormal: c.isAbnormal,
        status: c.heldReason ? "HELD" : failed ? "FAILED" : pending ? "PENDING" : "READY",
        problem:
          c.heldReason ?? (failed ? (failed.errorMessage ?? "Report generation failed") : null),
      } as const;
    }),
  };
}

/** Active readers and the models a worker can serve, for the new-study form. */
export async function getStudyFormOptions(db: DbClient) {
  const [readers, models] = await Promise.all([
    db.user.findMany({
      where: { role: "READER", isActive: true },
      orderBy: { email: "asc" },
      select: { id: true, name: true, email: true },
    }),
    db.aiModel.findMany({
      where: { kind: { not: "EXTERNAL" } },
      orderBy: [{ name: "asc" }, { version: "asc" }],
      select: { id: true, name: true, version: true, isDemo: true },
    }),
  ]);
  return { readers, models };
}

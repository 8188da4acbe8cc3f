import type { Db } from "../db/client";
import { AppError } from "../errors";
import { loadAuditRatings } from "./alerts";
import { queuePendingReviews } from "./mutations";
import { readPolicy } from "./schema";
import { computeTrend } from "./trends";

export async function listAudits(db: Db) {
  const programs = await db.auditProgram.findMany({
    orderBy: { createdAt: "desc" },
    select: {
      id: true,
      modelName: true,
      createdAt: true,
      study: { select: { name: true } },
      _count: { select: { cases: true, alerts: true } },
      cases: { where: { sampled: true }, select: { id: true } },
    },
  });
  return programs.map((p) => ({
    id: p.id,
    name: p.study.name,
    modelName: p.modelName,
    received: p._count.cases,
    sampled: p.cases.length,
    alerts: p._count.alerts,
    createdAt: p.createdAt,
  }));
}

/** Everything the audit's dashboard shows; the numbers behind its charts included. */
export async function getAuditDashboard(db: Db, id: string, now: Date = new Date()) {
  // Sampled cases whose generated report has arrived join the queues on the next look.
  await queuePendingReviews(db, id);
  const program = await db.auditProgram.findUnique({
    where: { id },
    select: {
      id: true,
      studyId: true,
      modelName: true,
      policy: true,
      createdAt: true,
      modelId: true,
      study: {
        select: {
          name: true,
          description: true,
          successLevels: true,
          readers: {
            select: {
              user: { select: { name: true, email: true } },
              _count: { select: { items: { where: { rating: null } } } },
            },
            orderBy: { id: "asc" },
          },
        },
      },
      alerts: {
        orderBy: { periodStart: "desc" },
        select: {
          id: true,
          periodStart: true,
          periodEnd: true,
          firedAt: true,
          delivery: true,
          attempts: true,
          lastError: true,
          details: true,
        },
      },
    },
  });
  if (!program) throw new AppError("NOT_FOUND", "Audit not found");
  const policy = readPolicy(program.policy);
  const [received, sampled, flagged, model, overdueRows] = await Promise.all([
    db.auditCase.count({ where: { programId: id } }),
    db.auditCase.count({ where: { programId: id, sampled: true } }),
    db.auditCase.count({ where: { programId: id, flagged: true } }),
    program.modelId
      ? db.aiModel.findUnique({
          where: { id: program.modelId },
          select: { name: true, version: true },
        })
      : null,
    db.auditCase.findMany({
      where: {
        programId: id,
        sampled: true,
        dueAt: { lt: now },
        OR: [
          { queuedAt: null },
          { case: { reports: { some: { items: { some: { rating: null } } } } } },
        ],
      },
      orderBy: { dueAt: "asc" },
      take: 200,
      select: {
        accession: true,
        dueAt: true,
        queuedAt: true,
        case: {
          select: {
            reports: {
              select: {
                items: {
                  where: { rating: null },
                  select: { studyReader: { select: { user: { select: { name: true } } } } },
                },
              },
            },
          },
        },
      },
    }),
  ]);
  const trend = computeTrend(await loadAuditRatings(db, id), policy);
  const pendingReviews = program.study.readers.reduce((sum, r) => sum + r._count.items, 0);
  return {
    id: program.id,
    studyId: program.studyId,
    name: program.study.name,
    description: program.study.description,
    modelName: program.modelName,
    servedVersion: model ? model.version : null,
    policy,
    successLevels: program.study.successLevels,
    counts: { received, sampled, flagged, pendingReviews, overdue: overdueRows.length },
    reviewers: program.study.readers.map((r) => ({
      name: r.user.name,
      email: r.user.email,
      pending: r._count.items,
    })),
    overdue: overdueRows.map((o) => ({
      accession: o.accession,
      dueAt: o.dueAt!,
      waitingFor: o.queuedAt
        ? [...new Set(o.case.reports.flatMap((r) => r.items.map((i) => i.studyReader.user.name)))]
        : [],
      reason: o.queuedAt ? "reviews missing" : "AI report not yet written",
    })),
    trend,
    alerts: program.alerts,
  };
}

export type AuditDashboard = Awaited<ReturnType<typeof getAuditDashboard>>;

import { randomBytes, randomInt } from "node:crypto";
import type { Prisma } from "@prisma/client";
import { recordAudit } from "../audit/record";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { createRng } from "../lib/rng";
import { newOpaqueToken } from "../studies/mutations";
import { createAuditInput, readPolicy, setAuditModelInput, type AuditPolicy } from "./schema";

type Tx = Prisma.TransactionClient;

/** A uniform draw in [0, 1) from the system's CSPRNG: senders cannot predict the sample. */
function uniformDraw(): number {
  return randomInt(0, 2 ** 48 - 1) / 2 ** 48;
}

/** Creates an audit program and the open study its cases, queues and ratings live in. */
export async function createAudit(db: Db, input: unknown, actor = "cli") {
  const data = createAuditInput.parse(input);
  const reviewers = await db.user.findMany({
    where: { id: { in: data.reviewerIds }, role: "READER", isActive: true },
    select: { id: true },
  });
  if (reviewers.length !== new Set(data.reviewerIds).size) {
    throw new AppError("BAD_REQUEST", "Every reviewer must be an active user with the READER role");
  }
  if (data.modelId) await checkServedVersion(db, data.modelId, data.modelName);
  const webhookSecret = data.policy.webhookUrl ? randomBytes(24).toString("base64url") : null;
  const study = await db.study.create({
    data: {
      name: data.name,
      description: data.description,
      kind: "AUDIT",
      status: "OPEN",
      openedAt: new Date(),
      seed: randomInt(0, 2 ** 31 - 1),
      successLevels: [...new Set(data.successLevels)],
      stringentLevels: ["A"],
      models: data.modelId ? { create: [{ modelId: data.modelId }] } : undefined,
      readers: {
        create: [...new Set(data.reviewerIds)].map((userId) => ({
          userId,
          token: newOpaqueToken(),
        })),
      },
      audit: {
        create: {
          modelName: data.modelName,
          modelId: data.modelId,
          policy: data.policy as unknown as Prisma.InputJsonObject,
          webhookSecret,
        },
      },
    },
    select: { id: true, audit: { select: { id: true } } },
  });
  const id = study.audit!.id;
  await recordAudit(db, {
    actor,
    action: "audit.created",
    subjectType: "audit_program",
    subjectId: id,
    details: {
      studyId: study.id,
      modelName: data.modelName,
      modelId: data.modelId,
      reviewers: data.reviewerIds.length,
      policy: data.policy,
    },
  });
  // The secret is shown once, to be configured at the receiver.
  return { id, studyId: study.id, webhookSecret };
}

async function checkServedVersion(db: Db | Tx, modelId: string, modelName: string) {
  const model = await db.aiModel.findUnique({
    where: { id: modelId },
    select: { name: true, kind: true },
  });
  if (!model || model.kind === "EXTERNAL") {
    throw new AppError("BAD_REQUEST", "The model must be a registered model a worker can serve");
  }
  if (model.name !== modelName) {
    throw new AppError("BAD_REQUEST", `This audit is of ${modelName}, not ${model.name}`);
  }
}

/** Changes the version that writes reports for cases sent without one (a version change). */
export async function setAuditModel(db: Db, input: unknown, actor = "cli") {
  const { id, modelId } = setAuditModelInput.parse(input);
  const program = await db.auditProgram.findUnique({
    where: { id },
    select: { studyId: true, modelName: true, modelId: true },
  });
  if (!program) throw new AppError("NOT_FOUND", "Audit not found");
  if (modelId) await checkServedVersion(db, modelId, program.modelName);
  await db.$transaction(async (tx) => {
    await tx.auditProgram.update({ where: { id }, data: { modelId } });
    if (modelId) {
      await tx.studyModel.upsert({
        where: { studyId_modelId: { studyId: program.studyId, modelId } },
        create: { studyId: program.studyId, modelId },
        update: {},
      });
    }
    await recordAudit(tx, {
      actor,
      action: "audit.model_changed",
      subjectType: "audit_program",
      subjectId: id,
      details: { from: program.modelId, to: modelId },
    });
  });
  return { updated: true as const };
}

export interface SamplingDecision {
  sampled: boolean;
  reason: "flagged" | "random" | "not sampled";
  draw: number;
  rate: number;
  stratum: string | null;
}

/** The sampler: flagged cases always, others when their draw falls under their stratum's share. */
export function decideSample(
  policy: AuditPolicy,
  intake: { flagged: boolean; site?: string; modality?: string },
  draw: number = uniformDraw(),
): SamplingDecision {
  const stratum = policy.stratifyBy ? (intake[policy.stratifyBy] ?? null) : null;
  const rate = (stratum !== null ? policy.stratumRates[stratum] : undefined) ?? policy.sampleRate;
  if (intake.flagged && policy.includeFlagged) {
    return { sampled: true, reason: "flagged", draw, rate, stratum };
  }
  const sampled = draw < rate;
  return { sampled, reason: sampled ? "random" : "not sampled", draw, rate, stratum };
}

/**
 * Puts a sampled case's reports (the AI report and the radiologist's) into reviewers' queues,
 * once both exist. The reviewers with the fewest waiting items get it; each item lands at a
 * random place among the reviewer's unread items, so a report's position says nothing of its
 * source and the two reports of one case are not always side by side.
 */
export async function queueReviews(tx: Tx, auditCaseId: string): Promise<boolean> {
  // Locked: intake and the worker may both try to queue one case.
  const [row] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM audit_cases WHERE id = ${auditCaseId} AND sampled AND queued_at IS NULL
    FOR UPDATE`;
  if (!row) return false;
  const auditCase = await tx.auditCase.findUniqueOrThrow({
    where: { id: auditCaseId },
    select: {
      case: {
        select: {
          studyId: true,
          heldReason: true,
          reports: { select: { id: true, source: true } },
        },
      },
      program: { select: { policy: true } },
    },
  });
  const { reports, studyId, heldReason } = auditCase.case;
  if (heldReason) return false;
  if (!reports.some((r) => r.source === "AI") || !reports.some((r) => r.source === "GROUND_TRUTH"))
    return false;
  const policy = readPolicy(auditCase.program.policy);
  const readers = await tx.studyReader.findMany({
    where: { studyId, user: { isActive: true } },
    select: { id: true, _count: { select: { items: { where: { rating: null } } } } },
    orderBy: { id: "asc" },
  });
  if (readers.length === 0) return false;
  const rng = createRng(randomInt(0, 2 ** 31 - 1));
  const chosen = rng
    .shuffle(readers)
    .sort((a, b) => a._count.items - b._count.items)
    .slice(0, policy.reviewsPerCase);
  for (const reader of chosen) {
    await tx.$queryRaw`SELECT id FROM study_readers WHERE id = ${reader.id} FOR UPDATE`;
    const items = await tx.readingItem.findMany({
      where: { studyReaderId: reader.id },
      orderBy: { position: "asc" },
      select: { id: true, position: true, rating: { select: { id: true } } },
    });
    // Everything after the last rated item is unread; new items mix in there.
    let lastRated = -1;
    items.forEach((item, index) => {
      if (item.rating) lastRated = index;
    });
    const firstFree = lastRated >= 0 ? items[lastRated]!.position + 1 : 1;
    const tail: (string | { reportId: string })[] = items.slice(lastRated + 1).map((i) => i.id);
    for (const report of rng.shuffle(reports)) {
      tail.splice(rng.int(0, tail.length), 0, { reportId: report.id });
    }
    const moved = tail.flatMap((entry, index) =>
      typeof entry === "string" ? [{ id: entry, position: firstFree + index }] : [],
    );
    if (moved.length > 0) {
      // Two steps, since positions are unique per reader at every row.
      await tx.$executeRaw`
        UPDATE reading_items SET position = -position
        WHERE id = ANY(${moved.map((m) => m.id)}::text[])`;
      await tx.$executeRaw`
        UPDATE reading_items r SET position = v.position
        FROM unnest(${moved.map((m) => m.id)}::text[], ${moved.map((m) => m.position)}::int[])
          AS v(id, position)
        WHERE r.id = v.id`;
    }
    await tx.readingItem.createMany({
      data: tail.flatMap((entry, index) =>
        typeof entry === "string"
          ? []
          : [
              {
                studyId,
                studyReaderId: reader.id,
                reportId: entry.reportId,
                position: firstFree + index,
                token: newOpaqueToken(),
              },
            ],
      ),
    });
  }
  await tx.auditCase.update({ where: { id: auditCaseId }, data: { queuedAt: new Date() } });
  return true;
}

/** Queues every sampled case whose AI report has arrived since (generated by a worker). */
export async function queuePendingReviews(db: Db, programId?: string): Promise<number> {
  const waiting = await db.auditCase.findMany({
    where: {
      sampled: true,
      queuedAt: null,
      ...(programId ? { programId } : {}),
      case: { heldReason: null, reports: { some: { source: "AI" } } },
    },
    select: { id: true },
    take: 500,
  });
  let queued = 0;
  for (const { id } of waiting) {
    if (await db.$transaction((tx) => queueReviews(tx, id))) queued++;
  }
  return queued;
}

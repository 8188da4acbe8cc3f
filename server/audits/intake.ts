import { createHmac } from "node:crypto";
import { rm } from "node:fs/promises";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { createImportJob, executeImport, type Enqueue } from "../ingest/jobs";
import type { Problem } from "../ingest/manifest";
import { openFolder } from "../ingest/source";
import { writeSingleCaseDataset } from "../ingest/upload";
import { decideSample, queueReviews } from "./mutations";
import { intakeCaseSchema, readPolicy } from "./schema";

export type IntakeResult =
  | {
      status: "received" | "unchanged" | "held";
      accession: string;
      /** The pseudonym the audit knows the case by (its dashboard and exports show this). */
      reference: string;
      sampled: boolean;
      reason: string;
      draw: number;
      rate: number;
    }
  | { status: "invalid" | "conflict"; message: string; problems: Omit<Problem, "row">[] };

/**
 * Accession numbers identify patients' examinations (the Basic Profile removes them), so the
 * audit keeps only a keyed hash: the sender can still recognise a resend, nobody can reverse it.
 */
export function accessionReference(studyKey: string, accession: string): string {
  return `A-${createHmac("sha256", studyKey).update(accession).digest("hex").slice(0, 20)}`;
}

/**
 * Takes one case into an audit: the image is de-identified and stored exactly as a study's
 * import does (it is a one-row import), and the sampler decides, in the same transaction, whether
 * it is reviewed. Idempotent by accession number: a resend changes nothing, a changed
 * case under a known accession is a conflict.
 */
export async function intakeAuditCase(
  db: Db,
  params: {
    programId: string;
    userId: string;
    fields: Record<string, unknown>;
    files: { name: string; bytes: Buffer }[];
    enqueue: Enqueue;
  },
): Promise<IntakeResult> {
  const program = await db.auditProgram.findUnique({
    where: { id: params.programId },
    select: {
      id: true,
      studyId: true,
      modelName: true,
      modelId: true,
      policy: true,
      study: { select: { deidSalt: true } },
    },
  });
  if (!program) throw new AppError("NOT_FOUND", "Audit not found");
  const parsed = intakeCaseSchema.safeParse(params.fields);
  if (!parsed.success) {
    return {
      status: "invalid",
      message: "The case is not valid: fix the fields listed and send it again",
      problems: parsed.error.issues.map((i) => ({
        caseId: typeof params.fields.accession === "string" ? params.fields.accession : null,
        message: `${i.path.join(".") || "case"}: ${i.message}`,
      })),
    };
  }
  const intake = parsed.data;
  const invalid = (message: string): IntakeResult => ({
    status: "invalid",
    message,
    problems: [{ caseId: intake.accession, message }],
  });
  if (intake.ai_report && intake.ai_report.model !== program.modelName) {
    return invalid(
      `This audit is of ${program.modelName}; the AI report names ${intake.ai_report.model}`,
    );
  }
  if (intake.generate && !program.modelId) {
    return invalid("This audit has no model version to generate reports with: send ai_report");
  }
  const policy = readPolicy(program.policy);
  const reference = accessionReference(program.study.deidSalt, intake.accession);
  const receivedAt = intake.reported_at ? new Date(intake.reported_at) : new Date();
  const row = {
    case_id: reference,
    report: intake.report,
    images: params.files.map((f) => f.name),
    ...(intake.site ? { site: intake.site } : {}),
    ...(intake.ai_report ? { ai_reports: [intake.ai_report] } : {}),
  };
  const dir = await writeSingleCaseDataset(row, params.files);
  try {
    const importId = await createImportJob(db, {
      studyId: program.studyId,
      userId: params.userId,
      origin: "api",
      sourceName: reference,
      options: { skipInvalid: false, keepOriginals: false },
    });
    const outcome = await executeImport(
      db,
      importId,
      () => openFolder(dir),
      params.enqueue,
      undefined,
      {
        generateWith: intake.generate ? program.modelId : null,
        afterCase: async (tx, caseId) => {
          const decision = decideSample(policy, intake);
          const auditCase = await tx.auditCase.create({
            data: {
              programId: program.id,
              caseId,
              accession: reference,
              receivedAt,
              flagged: intake.flagged,
              stratum: decision.stratum,
              sampled: decision.sampled,
              reason: decision.reason,
              draw: decision.draw,
              rate: decision.rate,
              dueAt: decision.sampled
                ? new Date(receivedAt.getTime() + policy.reviewDays * 86_400_000)
                : null,
            },
            select: { id: true },
          });
          // With its AI report already here, a sampled case joins the queues at once; a
          // generated one joins when the worker has written its report.
          if (decision.sampled) await queueReviews(tx, auditCase.id);
        },
      },
    );
    if (outcome.status === "FAILED") {
      const conflict = outcome.problems.some((p) =>
        p.message.includes("already exists in this study"),
      );
      return {
        status: conflict ? "conflict" : "invalid",
        message: conflict
          ? `Accession ${intake.accession} was received before with other content; it was not changed`
          : (outcome.error ?? "The case was not taken in"),
        problems: outcome.problems.map(({ caseId, message }) => ({ caseId, message })),
      };
    }
    const recorded = await db.auditCase.findUniqueOrThrow({
      where: { programId_accession: { programId: program.id, accession: reference } },
      select: { sampled: true, reason: true, draw: true, rate: true },
    });
    return {
      status: outcome.unchanged === 1 ? "unchanged" : outcome.held ? "held" : "received",
      accession: intake.accession,
      reference,
      ...recorded,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

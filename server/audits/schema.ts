import { z } from "zod";
import { modelNameSchema } from "../models/schema";

const share = z.number().min(0).max(1);

/** Which cases are reviewed, by whom, how soon, and when to raise an alert. */
export const auditPolicySchema = z
  .object({
    /** Share of incoming cases drawn at random for review. */
    sampleRate: share.default(0.1),
    /** Cases a clinician flagged are always reviewed. */
    includeFlagged: z.boolean().default(true),
    /** Stratify the draw by the case's site or modality: each stratum gets its own share. */
    stratifyBy: z.enum(["site", "modality"]).nullable().default(null),
    /** Shares per stratum value; strata not listed use sampleRate. */
    stratumRates: z.record(z.string().trim().min(1).max(200), share).default({}),
    /** Reviewers per sampled case; each rates both the AI and the radiologist's report. */
    reviewsPerCase: z.number().int().min(1).max(20).default(2),
    /** Days after intake by which a sampled case's reviews are due. */
    reviewDays: z.number().int().min(1).max(365).default(7),
    alert: z
      .object({
        /** threshold: the period's success rate below `threshold`. pchart: below the lower
         *  control limit of a p-chart centred on the baseline periods. */
        rule: z.enum(["threshold", "pchart"]).default("threshold"),
        period: z.enum(["week", "month"]).default("week"),
        threshold: share.default(0.7),
        /** Periods with fewer AI-report ratings are shown but never judged. */
        minRatings: z.number().int().min(1).max(100_000).default(20),
        /** p-chart: the first periods with enough ratings that set the centre line. */
        baselinePeriods: z.number().int().min(1).max(52).default(4),
        /** p-chart: width of the control limits in standard errors. */
        sigma: z.number().min(1).max(6).default(3),
      })
      .strict()
      .default({
        rule: "threshold",
        period: "week",
        threshold: 0.7,
        minRatings: 20,
        baselinePeriods: 4,
        sigma: 3,
      }),
    /** Where alerts are posted (JSON, HMAC-SHA256 signed); none when null. */
    webhookUrl: z
      .url({ protocol: /^https?$/ })
      .nullable()
      .default(null),
  })
  .strict();

export type AuditPolicy = z.infer<typeof auditPolicySchema>;

/** The policy stored on a program; a malformed one is a bug, not user input. */
export function readPolicy(stored: unknown): AuditPolicy {
  return auditPolicySchema.parse(stored ?? {});
}

export const createAuditInput = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).default(""),
  /** The audited model family: AI reports must name a version of it. */
  modelName: modelNameSchema,
  /** A registered version that writes reports for cases sent without one (optional). */
  modelId: z.string().min(1).max(64).nullable().default(null),
  reviewerIds: z.array(z.string().min(1).max(64)).min(1, { message: "an audit needs reviewers" }),
  policy: auditPolicySchema.default(auditPolicySchema.parse({})),
  /** Levels counted as success; A and B by default, as in reader studies. */
  successLevels: z
    .array(z.enum(["A", "B", "C", "D"]))
    .min(1)
    .default(["A", "B"]),
});
export type CreateAuditInput = z.input<typeof createAuditInput>;

/**
 * One case sent to an audit (the `case` field of POST /api/v1/audits/{id}/cases), beside the
 * image file. Either `ai_report` (written elsewhere) or `generate: true`.
 */
export const intakeCaseSchema = z
  .object({
    accession: z.string().trim().min(1, { message: "accession is empty" }).max(200),
    /** The radiologist's signed report. */
    report: z
      .string()
      .trim()
      .min(1, { message: "report (the signed report) is empty" })
      .max(100_000),
    ai_report: z
      .object({
        model: modelNameSchema,
        version: z.string().trim().min(1).max(50),
        text: z.string().trim().min(1, { message: "ai_report.text is empty" }).max(100_000),
      })
      .strict()
      .optional(),
    generate: z.boolean().optional(),
    flagged: z.boolean().default(false),
    site: z.string().trim().min(1).max(200).optional(),
    modality: z.string().trim().min(1).max(50).optional(),
    /** When the examination was reported; now when absent (backfills give the real time). */
    reported_at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((c) => (c.ai_report ? !c.generate : c.generate === true), {
    message: "send either ai_report or generate: true",
  });
export type IntakeCase = z.infer<typeof intakeCaseSchema>;

export const auditIdInput = z.object({ id: z.string().min(1).max(64) });

export const setAuditModelInput = z.object({
  id: z.string().min(1).max(64),
  modelId: z.string().min(1).max(64).nullable(),
});

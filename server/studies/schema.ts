import { z } from "zod";
import { studyDesignSchema } from "./design";

export const studyIdInput = z.object({ id: z.string().min(1).max(64) });

export const createStudyInput = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).default(""),
  /** Seed of the reading order; random when not given, and always recorded. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  /** Models that generate the AI reports; may be empty when AI reports come with the dataset. */
  modelIds: z.array(z.string()).default([]),
  readerIds: z.array(z.string()).min(1, { message: "a study needs at least one reader" }),
  openWhenReady: z.boolean().default(false),
  /** Levels counted as success; the reference study's A and B by default. */
  successLevels: z
    .array(z.enum(["A", "B", "C", "D"]))
    .min(1)
    .default(["A", "B"]),
  stringentLevels: z
    .array(z.enum(["A", "B", "C", "D"]))
    .min(1)
    .default(["A"]),
  /** How the study is read; the reference study's design by default. */
  design: studyDesignSchema.default(studyDesignSchema.parse({})),
});
export type CreateStudyInput = z.input<typeof createStudyInput>;

export const updateDesignInput = z.object({
  id: z.string().min(1).max(64),
  design: studyDesignSchema,
  successLevels: z.array(z.enum(["A", "B", "C", "D"])).min(1),
  stringentLevels: z.array(z.enum(["A", "B", "C", "D"])).min(1),
});

export const addCaseInput = z.object({
  studyId: z.string().min(1),
  externalId: z.string().trim().min(1).max(200),
  imagePath: z.string().min(1),
  imageSha256: z.string().regex(/^[0-9a-f]{64}$/),
  isAbnormal: z.boolean().nullable().default(null),
  findingTags: z.array(z.string().min(1).max(100)).default([]),
  site: z.string().trim().min(1).max(200).nullable().default(null),
  groundTruthReport: z.string().trim().min(1, { message: "the ground-truth report is empty" }),
});
export type AddCaseInput = z.input<typeof addCaseInput>;

export const caseStatusSchema = z.enum(["PENDING", "READY", "FAILED", "HELD"]);

export const studySummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(["DRAFT", "OPEN", "CLOSED"]),
  cases: z.number().int(),
  readers: z.number().int(),
  ratings: z.number().int(),
  items: z.number().int(),
  createdAt: z.string(),
});

export const studyDetailSchema = studySummarySchema.extend({
  description: z.string(),
  design: studyDesignSchema,
  successLevels: z.array(z.enum(["A", "B", "C", "D"])),
  stringentLevels: z.array(z.enum(["A", "B", "C", "D"])),
  seed: z.number().int(),
  models: z.array(
    z.object({ id: z.string(), name: z.string(), version: z.string(), isDemo: z.boolean() }),
  ),
  readerProgress: z.array(
    z.object({
      name: z.string(),
      email: z.string(),
      rated: z.number().int(),
      total: z.number().int(),
      finished: z.boolean(),
    }),
  ),
  caseList: z.array(
    z.object({
      id: z.string(),
      externalId: z.string(),
      status: caseStatusSchema,
      /** Why the case cannot be read, worded for the admin. */
      problem: z.string().nullable(),
      findingTags: z.array(z.string()),
      /** Null when the source data gave no label. */
      isAbnormal: z.boolean().nullable(),
    }),
  ),
});
export type StudyDetail = z.infer<typeof studyDetailSchema>;

export const studyFormOptionsSchema = z.object({
  readers: z.array(z.object({ id: z.string(), name: z.string(), email: z.string() })),
  models: z.array(
    z.object({ id: z.string(), name: z.string(), version: z.string(), isDemo: z.boolean() }),
  ),
});

import { z } from "zod";

export const importStatusSchema = z.enum([
  "QUEUED",
  "VALIDATING",
  "IMPORTING",
  "SUCCEEDED",
  "FAILED",
]);

export const problemSchema = z.object({
  row: z.number().int().nullable(),
  caseId: z.string().nullable(),
  message: z.string(),
});

export const importSummarySchema = z.object({
  id: z.string(),
  status: importStatusSchema,
  origin: z.string(),
  sourceName: z.string(),
  skipInvalid: z.boolean(),
  keepOriginals: z.boolean(),
  total: z.number().int(),
  processed: z.number().int(),
  imported: z.number().int(),
  unchanged: z.number().int(),
  held: z.number().int(),
  skippedRows: z.number().int(),
  problemCount: z.number().int(),
  error: z.string().nullable(),
  /** Cases per second while images were being prepared. */
  perSecond: z.number().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const importDetailSchema = importSummarySchema.extend({
  problems: z.array(problemSchema),
});

export const importOptionsInput = z.object({
  skipInvalid: z.boolean().default(false),
  keepOriginals: z.boolean().default(false),
});

export const folderImportInput = importOptionsInput.extend({
  studyId: z.string().min(1).max(64),
  /** A folder or .zip directly inside the import root, by name. */
  name: z
    .string()
    .min(1)
    .max(255)
    .refine((v) => !v.includes("/") && !v.includes("\\") && v !== "." && v !== "..", {
      message: "a name inside the import folder, without slashes",
    }),
});

export const heldCaseSchema = z.object({
  id: z.string(),
  externalId: z.string(),
  reason: z.string(),
  thumbnailUrl: z.string(),
  imageUrl: z.string(),
});

export const importSourceSchema = z.object({
  name: z.string(),
  kind: z.enum(["folder", "zip"]),
  bytes: z.number().nullable(),
});

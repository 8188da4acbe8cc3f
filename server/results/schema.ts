import { z } from "zod";

export const proportionSchema = z.object({
  successes: z.number().int(),
  n: z.number().int(),
  estimate: z.number().nullable().describe("successes / n; null when there are no ratings"),
  lower: z.number().nullable().describe("Wilson 95% interval, lower bound"),
  upper: z.number().nullable().describe("Wilson 95% interval, upper bound"),
});

export const sourceResultSchema = z.object({
  source: z.enum(["GROUND_TRUTH", "AI"]),
  label: z.string(),
  model: z
    .object({ name: z.string(), version: z.string(), isDemo: z.boolean() })
    .nullable()
    .describe("The model that wrote these reports; null for the ground truth"),
  ratings: z.number().int(),
  counts: z.object({
    A: z.number().int(),
    B: z.number().int(),
    C: z.number().int(),
    D: z.number().int(),
  }),
  success: proportionSchema.describe("Autonomous-reporting success: rated A or B"),
  stringent: proportionSchema.describe("Stringent success: rated A"),
  perReader: z.array(
    z.object({
      reader: z.string().describe("Reader pseudonym (R1, R2, ...), stable within the study"),
      name: z.string(),
      success: proportionSchema,
    }),
  ),
});

export const studyResultsSchema = z.object({
  study: z.object({
    id: z.string(),
    name: z.string(),
    status: z.enum(["DRAFT", "OPEN", "CLOSED"]),
  }),
  totalRatings: z.number().int(),
  sources: z.array(sourceResultSchema),
});
export type StudyResults = z.infer<typeof studyResultsSchema>;

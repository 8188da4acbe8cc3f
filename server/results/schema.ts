import { z } from "zod";

const num = z.number().nullable();

export const proportionSchema = z.object({
  successes: z.number().int(),
  n: z.number().int(),
  estimate: num.describe("successes / n; null when there are no ratings"),
  lower: num.describe("Wilson 95% interval, lower bound"),
  upper: num.describe("Wilson 95% interval, upper bound"),
});

const intervalSchema = z.object({ estimate: num, lower: num, upper: num });

const bootstrapSchema = intervalSchema.extend({
  se: num,
  replicates: z.number().int().describe("Replicates in which the statistic was defined"),
});

const mrmcSchema = intervalSchema.extend({
  se: num,
  variance: num,
  note: z.string().nullable(),
});

export const agreementSchema = z.object({
  items: z.number().int(),
  raters: z.number().int(),
  rawAgreement: bootstrapSchema.describe("Mean pairwise percent agreement"),
  fleissKappa: bootstrapSchema,
  gwetAC1: bootstrapSchema,
  krippendorffAlphaNominal: bootstrapSchema,
  krippendorffAlphaOrdinal: bootstrapSchema,
  notes: z.array(z.string()),
});

export const readerPairSchema = z.object({
  readerA: z.string(),
  readerB: z.string(),
  items: z.number().int(),
  rawAgreement: bootstrapSchema,
  unweighted: bootstrapSchema.describe("Cohen's kappa"),
  linear: bootstrapSchema.describe("Cohen's kappa, linear weights"),
  quadratic: bootstrapSchema.describe("Cohen's kappa, quadratic weights"),
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
  success: proportionSchema.describe(
    "Autonomous-reporting success: rated A or B (Wilson interval, ratings as independent)",
  ),
  stringent: proportionSchema.describe("Stringent success: rated A"),
  successCrossed: bootstrapSchema.describe(
    "Success rate with a crossed (readers x cases) pigeonhole bootstrap interval",
  ),
  stringentCrossed: bootstrapSchema,
  successMrmc: mrmcSchema.describe("Success rate with the U-statistic MRMC variance (Gallas 2007)"),
  stringentMrmc: mrmcSchema,
  perReader: z.array(
    z.object({
      reader: z.string().describe("Reader pseudonym (R1, R2, ...), stable within the study"),
      name: z.string(),
      counts: z.array(z.number().int()).describe("Ratings A, B, C, D"),
      success: proportionSchema,
    }),
  ),
  groups: z
    .array(proportionSchema.extend({ group: z.string() }))
    .describe("Success per case group: normal / abnormal, finding:<tag>, site:<site>"),
  timeMs: z
    .object({ n: z.number().int(), median: num, p25: num, p75: num })
    .describe("Active time per item, milliseconds"),
  agreement: agreementSchema,
  readerPairs: z.array(readerPairSchema),
});

export const comparisonSchema = z.object({
  label: z.string().describe("The AI source compared"),
  versus: z.string().describe("What it is compared with: the ground truth, or another model"),
  pairs: z.number().int().describe("(reader, case) cells rated for both sources"),
  difference: bootstrapSchema.describe(
    "Success rate of the source minus that of the comparator, crossed bootstrap",
  ),
  differenceStringent: bootstrapSchema,
  differenceMrmc: mrmcSchema,
  mcnemar: z.object({
    sourceOnly: z.number().int().describe("Cells where only the source succeeded"),
    versusOnly: z.number().int().describe("Cells where only the comparator succeeded"),
    pValue: num.describe("Exact two-sided McNemar test on discordant (reader, case) cells"),
  }),
  cochranQ: z.object({ statistic: num, df: z.number().int(), pValue: num }),
  atLeastAsGood: proportionSchema.describe(
    "Share of (reader, case) cells where the source's report was rated at least as well as the comparator's",
  ),
});

export const resultsInput = z.object({
  id: z.string().min(1).max(64),
  replicates: z.coerce
    .number()
    .int()
    .min(0)
    .max(20_000)
    .optional()
    .describe("Bootstrap replicates (default 2,000; 0 skips the bootstrap intervals)"),
});

export const studyResultsSchema = z.object({
  study: z.object({
    id: z.string(),
    name: z.string(),
    status: z.enum(["DRAFT", "OPEN", "CLOSED"]),
  }),
  totalRatings: z.number().int(),
  bootstrap: z.object({ replicates: z.number().int(), seed: z.number().int() }),
  scale: z
    .object({ success: z.array(z.string()), stringent: z.array(z.string()) })
    .describe("Levels counted as success and as stringent success in this study"),
  sources: z.array(sourceResultSchema),
  comparisons: z.array(comparisonSchema),
});
export type StudyResults = z.infer<typeof studyResultsSchema>;

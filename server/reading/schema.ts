import { z } from "zod";

/*
 * Everything a reader's browser receives is described here, and nothing else reaches it:
 * tRPC's output validation strips any field not listed. No source, model, timing or
 * database id may ever be added to these schemas.
 */

export const ratingLevelSchema = z.enum(["A", "B", "C", "D"], {
  message: "Rating must be one of A, B, C or D",
});

const opaqueToken = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, { message: "Unknown item" });

export const readerStudySchema = z.object({
  studyToken: z.string(),
  name: z.string(),
  total: z.number().int(),
  rated: z.number().int(),
  finished: z.boolean(),
});
export type ReaderStudy = z.infer<typeof readerStudySchema>;

export const scaleSchema = z.array(
  z.object({
    level: ratingLevelSchema,
    key: z.string(),
    label: z.string(),
    anchor: z.string(),
  }),
);

export const readerItemSchema = z.object({
  itemToken: z.string(),
  position: z.number().int(),
  total: z.number().int(),
  rated: z.number().int(),
  /** The display image (8-bit PNG), addressed by the item's token. */
  imageUrl: z.string(),
  /**
   * The 16-bit PNG for windowing, same address with ?depth=16, or null. It depends on the
   * case's image only, so both reports of one image answer alike.
   */
  image16Url: z.string().nullable(),
  /** Default window of the 16-bit image, in its units. */
  window16: z.object({ center: z.number(), width: z.number() }).nullable(),
  report: z.string(),
  rating: ratingLevelSchema.nullable(),
  comment: z.string().nullable(),
  flags: z.array(z.string()),
  /** False once the reader has finished: ratings are then final. */
  canChange: z.boolean(),
  /** Whether the study lets readers move back to rated items and change them. */
  canGoBack: z.boolean(),
  /** False for a QA audit's queue, which new cases keep joining: it is never finished. */
  canFinish: z.boolean(),
  /** Which optional fields the study asks for with each rating. */
  fields: z.object({ comment: z.boolean(), flags: z.boolean() }),
  scale: scaleSchema,
});
export type ReaderItem = z.infer<typeof readerItemSchema>;

export const getItemInput = z.object({
  studyToken: opaqueToken,
  /** 1-based position in this reader's order; omitted means the first unrated item. */
  position: z.number().int().min(1).optional(),
});

/** Made by the client per save (a UUID): the same key sent twice is applied once. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, { message: "idempotencyKey: 8-64 letters, digits, - or _" });

export const ERROR_FLAGS = [
  "omission",
  "false_finding",
  "wrong_location",
  "wrong_severity",
  "other",
] as const;

export const rateItemInput = z.object({
  itemToken: opaqueToken,
  level: ratingLevelSchema,
  idempotencyKey: idempotencyKeySchema.optional(),
  comment: z.string().trim().max(2000).optional(),
  /** Error categories the reader saw in the report. */
  flags: z.array(z.enum(ERROR_FLAGS)).max(ERROR_FLAGS.length).optional(),
  /** Active (not idle) time on the item so far in this page session, milliseconds. */
  activeMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 3600 * 1000)
    .optional(),
});

export const rateItemOutput = z.object({
  rated: z.number().int(),
  total: z.number().int(),
  /** True when this idempotency key had been applied already; nothing changed now. */
  replayed: z.boolean(),
});

/** REST: the next item to rate in a reading list (the study token names the list). */
export const nextItemInput = z.object({ studyId: opaqueToken });
export const nextItemSchema = z.object({
  done: z.boolean(),
  item: readerItemSchema.nullable(),
});

/** REST: a rating sent to /reading/items/{token}/rating. */
export const putRatingInput = rateItemInput.omit({ itemToken: true }).extend({
  token: opaqueToken,
  idempotencyKey: idempotencyKeySchema,
});

export const studyTokenInput = z.object({ studyToken: opaqueToken });
export const finishOutput = z.object({ finished: z.boolean() });

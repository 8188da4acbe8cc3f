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

export const readerItemSchema = z.object({
  itemToken: z.string(),
  position: z.number().int(),
  total: z.number().int(),
  rated: z.number().int(),
  imageUrl: z.string(),
  report: z.string(),
  rating: ratingLevelSchema.nullable(),
  /** False once the reader has finished: ratings are then final. */
  canChange: z.boolean(),
});
export type ReaderItem = z.infer<typeof readerItemSchema>;

export const getItemInput = z.object({
  studyToken: opaqueToken,
  /** 1-based position in this reader's order; omitted means the first unrated item. */
  position: z.number().int().min(1).optional(),
});

export const rateItemInput = z.object({
  itemToken: opaqueToken,
  level: ratingLevelSchema,
  /** Active (not idle) time on the item so far in this page session, milliseconds. */
  activeMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 3600 * 1000)
    .optional(),
});

export const rateItemOutput = z.object({ rated: z.number().int(), total: z.number().int() });

export const studyTokenInput = z.object({ studyToken: opaqueToken });
export const finishOutput = z.object({ finished: z.boolean() });

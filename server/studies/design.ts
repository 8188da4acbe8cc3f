import { z } from "zod";
import { RATING_SCALE } from "../reading/scale";

const LEVELS = ["A", "B", "C", "D"] as const;

export const scaleLevelSchema = z.object({
  level: z.enum(LEVELS),
  label: z.string().trim().min(1).max(100),
  anchor: z.string().trim().max(500),
});

/**
 * How a study is read. Stored on the study as JSON and fixed when the study opens, since the
 * assignment is built from it (with the study's recorded seed) at that moment.
 */
export const studyDesignSchema = z
  .object({
    /** crossed: every reader rates every report. split: each case's reports go to k readers. */
    type: z.enum(["crossed", "split"]).default("crossed"),
    /** Readers per case in a split design; every reader gets all of that case's reports. */
    readersPerCase: z.number().int().min(1).max(100).default(2),
    /** Least number of other items between two reports of one image (1: never adjacent). */
    washoutItems: z.number().int().min(1).max(1_000).default(1),
    /**
     * When above 0, one image's reports are read in separate sessions: session k+1 opens
     * this many days after the reader completed session k.
     */
    washoutDays: z.number().int().min(0).max(365).default(0),
    /** Whether readers may move back and change a saved rating before finishing. */
    allowGoBack: z.boolean().default(true),
    /** Optional free-text comment with each rating. */
    comments: z.boolean().default(true),
    /** Optional error flags (omission, false finding, ...) with each rating. */
    errorFlags: z.boolean().default(true),
    /** The levels readers choose from, best first: A, B, ... (two to four), with anchors. */
    scale: z
      .array(scaleLevelSchema)
      .min(2)
      .max(4)
      .default(RATING_SCALE.map(({ level, label, anchor }) => ({ level, label, anchor })))
      .refine((levels) => levels.every((l, i) => l.level === LEVELS[i]), {
        message: "scale levels must be A, B, C, D in order (two to four of them)",
      }),
  })
  .strict();

export type StudyDesign = z.infer<typeof studyDesignSchema>;
export type StudyDesignInput = z.input<typeof studyDesignSchema>;

/** The design stored on a study; an empty or older object gets the defaults. */
export function readDesign(stored: unknown): StudyDesign {
  const parsed = studyDesignSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : studyDesignSchema.parse({});
}

/** The scale as readers see it: each level with its key. */
export function readerScale(design: StudyDesign) {
  return design.scale.map((s, i) => ({ ...s, key: String(i + 1) }));
}

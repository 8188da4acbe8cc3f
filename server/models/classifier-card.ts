import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { DEMO_LABELS } from "../demo/findings";

/**
 * The card (model.json) of a findings-classifier folder: how to prepare the image for the
 * network, which output holds which finding, the per-finding thresholds, and the report
 * template. Checked when an admin registers the folder and again when a worker loads it.
 */

const probability = z.number().min(0).max(1);
const side = z.number().int().min(1).max(4096);

export const classifierCardSchema = z
  .object({
    /** Name and version: only the demo registers itself from these; others use models add. */
    name: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    /** sha256 of model.onnx; checked at load when present. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "a sha256 is 64 lowercase hex digits")
      .optional(),
    input: z.object({
      name: z.string().min(1),
      /** Side of the square input, or [height, width]. */
      size: z.union([side, z.tuple([side, side])]),
      channels: z.union([z.literal(1), z.literal(3)]).default(1),
      layout: z.enum(["NCHW", "NHWC"]).default("NCHW"),
      /** fill: stretch; cover: scale and crop the centre; contain: scale and pad with black. */
      resize: z.enum(["fill", "cover", "contain"]).default("fill"),
      /** 8-bit 0 and 255 map linearly to these (torchxrayvision: [-1024, 1024]). */
      range: z.tuple([z.number(), z.number()]).default([0, 1]),
      /** Then (value - mean) / std per channel (ImageNet-style models). */
      mean: z.array(z.number()).optional(),
      std: z.array(z.number().positive()).optional(),
    }),
    output: z.object({
      name: z.string().min(1),
      labels: z.array(z.string().min(1)).min(1),
      /** true when the model gives logits: a sigmoid turns them into probabilities. */
      logits: z.boolean().default(false),
    }),
    /** Per finding, in label order or by label: a finding is reported at or above it. */
    thresholds: z.union([z.array(probability), z.record(z.string(), probability)]),
    /**
     * The report: "Findings:" then the sentence of each finding present, in label order (or
     * `normal` when none is), then "Impression:" likewise when impressions are given.
     * Without a template only the demo's labels can be served (its phrase bank writes them).
     */
    template: z
      .object({
        findings: z.record(z.string(), z.string().trim().min(1)),
        normal: z.string().trim().min(1),
        impression: z.record(z.string(), z.string().trim().min(1)).optional(),
        normalImpression: z.string().trim().min(1).optional(),
      })
      .optional(),
  })
  .superRefine((card, ctx) => {
    const labels = card.output.labels;
    const issue = (pathTo: (string | number)[], message: string) =>
      ctx.addIssue({ code: "custom", path: pathTo, message });
    if (new Set(labels).size !== labels.length) issue(["output", "labels"], "labels repeat");
    if (Array.isArray(card.thresholds)) {
      if (card.thresholds.length !== labels.length) {
        issue(["thresholds"], `${card.thresholds.length} thresholds for ${labels.length} labels`);
      }
    } else {
      const missing = labels.filter((l) => !(l in (card.thresholds as Record<string, number>)));
      if (missing.length) issue(["thresholds"], `no threshold for ${missing.join(", ")}`);
    }
    for (const key of ["mean", "std"] as const) {
      const values = card.input[key];
      if (values && values.length !== card.input.channels) {
        issue(["input", key], `${values.length} values for ${card.input.channels} channel(s)`);
      }
    }
    if (card.template) {
      const missing = labels.filter((l) => !card.template!.findings[l]);
      if (missing.length) issue(["template", "findings"], `no sentence for ${missing.join(", ")}`);
      for (const part of ["findings", "impression"] as const) {
        const unknown = Object.keys(card.template[part] ?? {}).filter((l) => !labels.includes(l));
        if (unknown.length) issue(["template", part], `unknown labels ${unknown.join(", ")}`);
      }
    }
  });
export type ClassifierCard = z.infer<typeof classifierCardSchema>;

/** Registered parameters a classifier uses: per-label threshold overrides. */
const classifierParametersSchema = z.object({
  thresholds: z.record(z.string(), probability.nullable()).optional(),
});

function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`)
    .join("; ");
}

/** Why a card cannot be served, worded for the admin; thrown by readClassifierCard. */
export class ClassifierCardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClassifierCardError";
  }
}

/**
 * Reads and checks a classifier folder's model.json. A card without a template can only be
 * served when its labels are the demo's, which the demo's phrase bank can write.
 */
export async function readClassifierCard(dir: string): Promise<ClassifierCard> {
  const file = path.join(dir, "model.json");
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new ClassifierCardError(
      `${file} cannot be read as JSON: ${error instanceof Error ? error.message : error}`,
    );
  }
  const parsed = classifierCardSchema.safeParse(raw);
  if (!parsed.success) throw new ClassifierCardError(`${file}: ${describeZodError(parsed.error)}`);
  if (!parsed.data.template) {
    const foreign = parsed.data.output.labels.filter((l) => !DEMO_LABELS.includes(l));
    if (foreign.length) {
      throw new ClassifierCardError(
        `${file} has no "template", so its findings cannot be written as a report (${foreign.join(", ")}); add one (see the README)`,
      );
    }
  }
  return parsed.data;
}

/**
 * The registered parameters a classifier uses: per-label threshold overrides, which must
 * name the card's labels.
 */
export function classifierThresholdOverrides(
  card: ClassifierCard,
  parameters: unknown,
): Record<string, number | null> {
  const parsed = classifierParametersSchema.safeParse(parameters ?? {});
  if (!parsed.success) {
    throw new ClassifierCardError(`the registered parameters: ${describeZodError(parsed.error)}`);
  }
  const overrides = parsed.data.thresholds ?? {};
  const labels = card.output.labels;
  const unknown = Object.keys(overrides).filter((l) => !labels.includes(l));
  if (unknown.length) {
    throw new ClassifierCardError(
      `the registered thresholds name labels the model does not have: ${unknown.join(", ")} (it has ${labels.join(", ")})`,
    );
  }
  return overrides;
}

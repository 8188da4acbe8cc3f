import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { z } from "zod";
import { createRng } from "../../server/lib/rng";
import { DEMO_LABELS, writeModelReport } from "./demo-classifier";
import { loadOnProvider } from "./provider";
import {
  generateStrict,
  ImageDecodeError,
  PermanentModelError,
  type LoadOptions,
  type ReportModel,
} from "./types";

/**
 * A findings classifier served as a report model: an ONNX multi-label classifier (image in,
 * one score per finding out, e.g. a torchxrayvision-style DenseNet export) described by the
 * folder's model.json: how to prepare the image, which output holds which finding, the
 * per-finding thresholds, and the report template that turns findings into text.
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

/** Reads and checks a classifier folder's model.json; a bad one is a permanent error. */
export async function readClassifierCard(dir: string): Promise<ClassifierCard> {
  const file = path.join(dir, "model.json");
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new PermanentModelError(
      `${file} cannot be read as JSON: ${error instanceof Error ? error.message : error}`,
    );
  }
  const parsed = classifierCardSchema.safeParse(raw);
  if (!parsed.success) throw new PermanentModelError(`${file}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** The card's input geometry and normalization, resolved. */
export interface ClassifierInput {
  height: number;
  width: number;
  channels: 1 | 3;
  layout: "NCHW" | "NHWC";
  resize: "fill" | "cover" | "contain";
  range: [number, number];
  mean: number[] | null;
  std: number[] | null;
}

export function classifierInput(card: ClassifierCard): ClassifierInput {
  const [height, width] = Array.isArray(card.input.size)
    ? card.input.size
    : [card.input.size, card.input.size];
  return {
    height,
    width,
    channels: card.input.channels,
    layout: card.input.layout,
    resize: card.input.resize,
    range: card.input.range,
    mean: card.input.mean ?? null,
    std: card.input.std ?? null,
  };
}

/**
 * Decodes an image and turns it into the model's input tensor for one image: alpha dropped,
 * greyscale or RGB, resized as the card says, 8-bit values mapped to `range`, then
 * standardized per channel, laid out NCHW or NHWC.
 */
export async function preprocessForClassifier(
  image: Buffer,
  input: ClassifierInput,
): Promise<Float32Array> {
  const { height, width, channels } = input;
  let data: Buffer;
  let got: number;
  try {
    const base = sharp(image).removeAlpha();
    const out = await (channels === 1 ? base.greyscale() : base.toColourspace("srgb"))
      .resize(width, height, { fit: input.resize, background: { r: 0, g: 0, b: 0 } })
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    data = out.data;
    got = out.info.channels;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ImageDecodeError(`The image could not be decoded: ${reason}`, { cause: err });
  }
  const pixels = height * width;
  if (data.length !== pixels * got || (got !== channels && !(got === 1 && channels === 3))) {
    throw new ImageDecodeError(
      `The image could not be decoded to ${channels} channel(s) of ${width}x${height} (got ${got} channels)`,
    );
  }
  const [low, high] = input.range;
  const span = high - low;
  const out = new Float32Array(pixels * channels);
  for (let c = 0; c < channels; c++) {
    const mean = input.mean?.[c] ?? 0;
    const std = input.std?.[c] ?? 1;
    // A greyscale source for an RGB model repeats its one channel.
    const from = got === channels ? c : 0;
    for (let i = 0; i < pixels; i++) {
      // x / 255 first, so the demo's [0, 1] gives exactly x / 255, as it was trained on.
      const value = (low + (data[i * got + from]! / 255) * span - mean) / std;
      out[input.layout === "NCHW" ? c * pixels + i : i * channels + c] = value;
    }
  }
  return out;
}

/** A report from the findings present, by the card's template. */
export function writeTemplateReport(
  template: NonNullable<ClassifierCard["template"]>,
  present: string[],
): string {
  const findings = present.length
    ? present.map((l) => template.findings[l]!).join(" ")
    : template.normal;
  const impression = present.length
    ? template.impression
      ? present.map((l) => template.impression![l] ?? template.findings[l]!).join(" ")
      : null
    : (template.normalImpression ?? null);
  return impression === null
    ? `Findings: ${findings}`
    : `Findings: ${findings}\n\nImpression: ${impression}`;
}

/** One image ready for the classifier, and the seed of the demo's wording. */
export interface PreparedClassifierImage {
  pixels: Float32Array;
  seed: number;
}

export interface ClassifierReportModel extends ReportModel<PreparedClassifierImage> {
  labels: string[];
  thresholds: number[];
  /** Per-image probabilities, one row per image in label order. */
  predict(images: Buffer[]): Promise<number[][]>;
}

/** The demo's wording is drawn per image: same image, same words. */
function seedOfImage(image: Buffer): number {
  return createHash("sha256").update(image).digest().readUInt32LE(0);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Loads a classifier folder (model.onnx and model.json). Everything that can be wrong with
 * the folder (the card, the weights' checksum, input or output names the model does not
 * have, thresholds for unknown labels) is found here, as a PermanentModelError worded for the
 * admin, so the model's jobs fail at once with it instead of being retried.
 */
export async function loadClassifierModel(
  dir: string,
  opts: LoadOptions & {
    name?: string;
    version?: string;
    /** The registered fingerprint, reported as the model's; else model.onnx's sha256. */
    sha256?: string;
    parameters?: unknown;
  } = {},
): Promise<ClassifierReportModel> {
  const card = await readClassifierCard(dir);
  const onnxPath = path.join(dir, "model.onnx");
  const bytes = await readFile(onnxPath);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (card.sha256 && sha256 !== card.sha256) {
    throw new PermanentModelError(
      `Model checksum mismatch: ${onnxPath} has sha256 ${sha256} but model.json records ${card.sha256}; refusing to load a modified or corrupt model`,
    );
  }
  const labels = card.output.labels;
  const overrides = classifierParametersSchema.safeParse(opts.parameters ?? {});
  if (!overrides.success) {
    throw new PermanentModelError(
      `the registered parameters: ${describeZodError(overrides.error)}`,
    );
  }
  const unknown = Object.keys(overrides.data.thresholds ?? {}).filter((l) => !labels.includes(l));
  if (unknown.length) {
    throw new PermanentModelError(
      `the registered thresholds name labels the model does not have: ${unknown.join(", ")} (it has ${labels.join(", ")})`,
    );
  }
  const thresholds = labels.map(
    (label, i) =>
      overrides.data.thresholds?.[label] ??
      (Array.isArray(card.thresholds) ? card.thresholds[i]! : card.thresholds[label]!),
  );
  const template = card.template;
  if (!template) {
    const foreign = labels.filter((l) => !DEMO_LABELS.includes(l));
    if (foreign.length) {
      throw new PermanentModelError(
        `${path.join(dir, "model.json")} has no "template", so its findings cannot be written as a report (${foreign.join(", ")}); add one (see the README)`,
      );
    }
  }

  const name = opts.name ?? card.name ?? path.basename(dir);
  const { value: session, provider } = await loadOnProvider(
    `${name}${(opts.version ?? card.version) ? ` ${opts.version ?? card.version}` : ""}`,
    opts,
    (p) =>
      p === "cuda"
        ? ort.InferenceSession.create(bytes, {
            executionProviders: [{ name: "cuda", deviceId: opts.deviceId ?? 0 }],
            // The native logger would print its own multi-line error; one log line is enough.
            logSeverityLevel: 4,
          })
        : ort.InferenceSession.create(bytes, { executionProviders: ["cpu"] }),
  ).catch((error: unknown) => {
    throw new PermanentModelError(
      `${onnxPath} cannot be loaded by ONNX Runtime: ${error instanceof Error ? error.message : error}`,
    );
  });
  const inputName = card.input.name;
  const outputName = card.output.name;
  if (!session.inputNames.includes(inputName) || !session.outputNames.includes(outputName)) {
    await session.release();
    throw new PermanentModelError(
      `model input mismatch: model.onnx takes ${session.inputNames.join(", ")} and gives ${session.outputNames.join(", ")}, but model.json names input "${inputName}" and output "${outputName}"`,
    );
  }

  const input = classifierInput(card);
  const perImage = input.height * input.width * input.channels;
  const dims =
    input.layout === "NCHW"
      ? [input.channels, input.height, input.width]
      : [input.height, input.width, input.channels];

  const prepare = (images: Buffer[]) =>
    Promise.all(
      images.map(async (image): Promise<PreparedClassifierImage | ImageDecodeError> => {
        try {
          return { pixels: await preprocessForClassifier(image, input), seed: seedOfImage(image) };
        } catch (error) {
          if (error instanceof ImageDecodeError) return error;
          throw error;
        }
      }),
    );

  const run = async (batch: PreparedClassifierImage[]): Promise<number[][]> => {
    if (batch.length === 0) return [];
    const tensorData = new Float32Array(batch.length * perImage);
    batch.forEach((item, i) => tensorData.set(item.pixels, i * perImage));
    let result: ort.InferenceSession.OnnxValueMapType;
    try {
      result = await session.run({
        [inputName]: new ort.Tensor("float32", tensorData, [batch.length, ...dims]),
      });
    } catch (error) {
      // ONNX Runtime refuses a tensor of the wrong shape the same way every time.
      throw new PermanentModelError(
        `model input mismatch: ${error instanceof Error ? error.message : error}; check input.size, channels and layout in model.json`,
      );
    }
    const data = result[outputName]?.data as Float32Array | undefined;
    if (!data || data.length !== batch.length * labels.length) {
      throw new PermanentModelError(
        `model output mismatch: "${outputName}" gives ${data ? data.length / batch.length : 0} values per image but model.json lists ${labels.length} labels`,
      );
    }
    return batch.map((_, i) =>
      Array.from(data.subarray(i * labels.length, (i + 1) * labels.length), (v) =>
        card.output.logits ? sigmoid(v) : v,
      ),
    );
  };

  const infer = async (batch: PreparedClassifierImage[]) =>
    (await run(batch)).map((p, i) =>
      template
        ? writeTemplateReport(
            template,
            labels.filter((_, k) => p[k]! >= thresholds[k]!),
          )
        : writeModelReport(p, labels, thresholds, createRng(batch[i]!.seed)),
    );

  return {
    kind: "FINDINGS_CLASSIFIER",
    name,
    version: opts.version ?? card.version ?? "",
    sha256: opts.sha256 ?? sha256,
    provider,
    // Each report records the thresholds that decided it, overrides included.
    parameters: {
      ...(opts.parameters && typeof opts.parameters === "object" ? opts.parameters : {}),
      thresholds: Object.fromEntries(labels.map((l, i) => [l, thresholds[i]!])),
    },
    labels,
    thresholds,
    prepare,
    infer,
    async predict(images) {
      const prepared = await prepare(images);
      const failed = prepared.find((p) => p instanceof ImageDecodeError);
      if (failed) throw failed;
      return run(prepared as PreparedClassifierImage[]);
    },
    generate: (images) => generateStrict({ prepare, infer }, images),
    async close() {
      await session.release();
    },
  };
}

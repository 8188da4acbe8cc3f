import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { createRng } from "../../server/lib/rng";
import {
  ClassifierCardError,
  classifierThresholdOverrides,
  readClassifierCard,
  type ClassifierCard,
} from "../../server/models/classifier-card";
import { writeModelReport } from "./demo-classifier";
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

/** One image ready for the classifier, and the seed of the demo's wording (0 with a template). */
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
  let card: ClassifierCard;
  let overrides: Record<string, number | null>;
  try {
    card = await readClassifierCard(dir);
    overrides = classifierThresholdOverrides(card, opts.parameters);
  } catch (error) {
    throw error instanceof ClassifierCardError ? new PermanentModelError(error.message) : error;
  }
  const onnxPath = path.join(dir, "model.onnx");
  const bytes = await readFile(onnxPath);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (card.sha256 && sha256 !== card.sha256) {
    throw new PermanentModelError(
      `Model checksum mismatch: ${onnxPath} has sha256 ${sha256} but model.json records ${card.sha256}; refusing to load a modified or corrupt model`,
    );
  }
  const labels = card.output.labels;
  const thresholds = labels.map(
    (label, i) =>
      overrides[label] ??
      (Array.isArray(card.thresholds) ? card.thresholds[i]! : card.thresholds[label]!),
  );
  const template = card.template;

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
          return {
            pixels: await preprocessForClassifier(image, input),
            // Only the demo's phrase bank draws its wording; a template needs no seed.
            seed: template ? 0 : seedOfImage(image),
          };
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

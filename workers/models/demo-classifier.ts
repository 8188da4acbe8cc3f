import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import sharp, { type OutputInfo } from "sharp";
import type { Findings, Side } from "../../server/demo/findings";
import { writeRadiologyReport } from "../../server/demo/reports";
import { createRng, type Rng } from "../../server/lib/rng";
import { loadOnProvider } from "./provider";
import { generateStrict, ImageDecodeError, type LoadOptions, type ReportModel } from "./types";

/**
 * The demo report model: a small classifier trained on procedural chest phantoms
 * (scripts/build-demo-model.ts), whose per-finding probabilities are turned into a templated
 * report. It is a stand-in that lets the platform run end to end; it is not a clinical model.
 */

export const INPUT_SIZE = 128;

/** Kept for callers written before image-to-text models: any served model. */
export type LoadedReportModel = ReportModel;

/** One image ready for the classifier: its pixels, and the seed of its report's wording. */
export interface PreparedPhantom {
  pixels: Float32Array;
  seed: number;
}

export interface DemoReportModel extends ReportModel<PreparedPhantom> {
  labels: string[];
  thresholds: number[];
  /** Per-image probabilities, one row per image in label order. */
  predict(images: Buffer[]): Promise<number[][]>;
}

export { ImageDecodeError, type LoadOptions };

export interface ModelMetadata {
  name: string;
  version: string;
  sha256: string;
  input: { name: string; shape: (number | string)[]; size: number; normalization: string };
  output: { name: string; labels: string[] };
  thresholds: number[];
}

/**
 * Greyscale, stretched to 128x128 and scaled to [0, 1]. The build script trains on exactly
 * this output, so any change here must be followed by a rebuild of the model.
 */
export async function preprocessImage(image: Buffer): Promise<Float32Array> {
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(image)
      .removeAlpha()
      .greyscale()
      .resize(INPUT_SIZE, INPUT_SIZE, { fit: "fill" })
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ImageDecodeError(`The image could not be decoded: ${reason}`, { cause: err });
  }
  if (raw.info.channels !== 1 || raw.data.length !== INPUT_SIZE * INPUT_SIZE) {
    throw new ImageDecodeError(
      `The image could not be decoded to one greyscale channel (got ${raw.info.channels} channels)`,
    );
  }
  const out = new Float32Array(INPUT_SIZE * INPUT_SIZE);
  for (let i = 0; i < out.length; i++) out[i] = raw.data[i]! / 255;
  return out;
}

/**
 * Labels to findings: a label counts when its probability reaches its threshold; effusions
 * on both sides are bilateral, and for findings the phantoms only draw on one side the more
 * probable side wins.
 */
export function findingsFromProbabilities(
  probabilities: number[],
  labels: string[],
  thresholds: number[],
): Findings {
  const p = (label: string) => {
    const i = labels.indexOf(label);
    return i < 0 ? 0 : (probabilities[i] ?? 0);
  };
  const hit = (label: string) => {
    const i = labels.indexOf(label);
    return i >= 0 && (probabilities[i] ?? 0) >= (thresholds[i] ?? 0.5);
  };
  const oneSide = (name: string): Side | null => {
    const [right, left] = [hit(`${name}_right`), hit(`${name}_left`)];
    if (right && left) return p(`${name}_right`) >= p(`${name}_left`) ? "right" : "left";
    return right ? "right" : left ? "left" : null;
  };
  const effusionRight = hit("effusion_right");
  const effusionLeft = hit("effusion_left");
  return {
    cardiomegaly: hit("cardiomegaly"),
    effusion:
      effusionRight && effusionLeft
        ? "bilateral"
        : effusionRight
          ? "right"
          : effusionLeft
            ? "left"
            : null,
    pneumothorax: oneSide("pneumothorax"),
    consolidation: oneSide("consolidation"),
  };
}

/**
 * The model's report: its findings written with the same phrase bank and structure as the
 * demo's ground-truth reports, so wording carries no hint of the source and only content
 * (the model's mistakes) differs.
 */
export function writeModelReport(
  probabilities: number[],
  labels: string[],
  thresholds: number[],
  rng: Rng,
): string {
  return writeRadiologyReport(findingsFromProbabilities(probabilities, labels, thresholds), rng);
}

/** Same image, same wording: the phrasing draw is seeded by the image's bytes. */
function seedOfImage(image: Buffer): number {
  return createHash("sha256").update(image).digest().readUInt32LE(0);
}

export async function loadDemoModel(dir: string, opts: LoadOptions = {}): Promise<DemoReportModel> {
  const metaPath = path.join(dir, "model.json");
  const onnxPath = path.join(dir, "model.onnx");
  const meta = JSON.parse(await readFile(metaPath, "utf8")) as ModelMetadata;
  const bytes = await readFile(onnxPath);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== meta.sha256) {
    throw new Error(
      `Model checksum mismatch: ${onnxPath} has sha256 ${sha256} but ${metaPath} records ${meta.sha256}; refusing to load a modified or corrupt model`,
    );
  }
  const { labels } = meta.output;
  const { thresholds } = meta;
  if (thresholds.length !== labels.length) {
    throw new Error(`${metaPath}: ${labels.length} labels but ${thresholds.length} thresholds`);
  }

  const { value: session, provider } = await loadOnProvider("the demo model", opts, (p) =>
    p === "cuda"
      ? ort.InferenceSession.create(bytes, {
          executionProviders: [{ name: "cuda", deviceId: opts.deviceId ?? 0 }],
          // The native logger would print its own multi-line error; one log line is enough.
          logSeverityLevel: 4,
        })
      : ort.InferenceSession.create(bytes, { executionProviders: ["cpu"] }),
  );
  const inputName = meta.input.name;
  const outputName = meta.output.name;
  const pixels = INPUT_SIZE * INPUT_SIZE;

  const prepare = (images: Buffer[]) =>
    Promise.all(
      images.map(async (image): Promise<PreparedPhantom | ImageDecodeError> => {
        try {
          return { pixels: await preprocessImage(image), seed: seedOfImage(image) };
        } catch (error) {
          if (error instanceof ImageDecodeError) return error;
          throw error;
        }
      }),
    );

  const run = async (batch: PreparedPhantom[]): Promise<number[][]> => {
    if (batch.length === 0) return [];
    const input = new Float32Array(batch.length * pixels);
    batch.forEach((item, i) => input.set(item.pixels, i * pixels));
    const tensor = new ort.Tensor("float32", input, [batch.length, 1, INPUT_SIZE, INPUT_SIZE]);
    const result = await session.run({ [inputName]: tensor });
    const out = result[outputName];
    if (!out) throw new Error(`model produced no output named ${outputName}`);
    const data = out.data as Float32Array;
    return batch.map((_, i) =>
      Array.from(data.subarray(i * labels.length, (i + 1) * labels.length)),
    );
  };

  const infer = async (batch: PreparedPhantom[]) =>
    (await run(batch)).map((p, i) =>
      writeModelReport(p, labels, thresholds, createRng(batch[i]!.seed)),
    );

  return {
    kind: "FINDINGS_CLASSIFIER",
    name: meta.name,
    version: meta.version,
    sha256,
    provider,
    labels,
    thresholds,
    prepare,
    infer,
    async predict(images) {
      const prepared = await prepare(images);
      const failed = prepared.find((p) => p instanceof ImageDecodeError);
      if (failed) throw failed;
      return run(prepared as PreparedPhantom[]);
    },
    generate: (images) => generateStrict({ prepare, infer }, images),
    async close() {
      await session.release();
    },
  };
}

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import * as ort from "onnxruntime-node";
import sharp, { type OutputInfo } from "sharp";
import type { Findings, Side } from "../../server/demo/findings";
import { writeRadiologyReport } from "../../server/demo/reports";
import { createRng, type Rng } from "../../server/lib/rng";

/**
 * The demo report model: a small classifier trained on procedural chest phantoms
 * (scripts/build-demo-model.ts), whose per-finding probabilities are turned into a templated
 * report. It is a stand-in that lets the platform run end to end; it is not a clinical model.
 */

export const INPUT_SIZE = 128;

export interface LoadedReportModel {
  name: string;
  version: string;
  sha256: string;
  provider: "cuda" | "cpu";
  /** Turns decoded images into report texts, one per image, in order. */
  generate(images: Buffer[]): Promise<string[]>;
  close(): Promise<void>;
}

export interface DemoReportModel extends LoadedReportModel {
  labels: string[];
  thresholds: number[];
  /** Per-image probabilities, one row per image in label order. */
  predict(images: Buffer[]): Promise<number[][]>;
}

export interface LoadOptions {
  preferCuda?: boolean;
  deviceId?: number;
  log?: (msg: string) => void;
}

export interface ModelMetadata {
  name: string;
  version: string;
  sha256: string;
  input: { name: string; shape: (number | string)[]; size: number; normalization: string };
  output: { name: string; labels: string[] };
  thresholds: number[];
}

export class ImageDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ImageDecodeError";
  }
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
function rngForImage(image: Buffer): Rng {
  return createRng(createHash("sha256").update(image).digest().readUInt32LE(0));
}

/**
 * onnxruntime-node loads its CUDA provider from the folder of its own native binding; the npm
 * package does not ship it (a GPU host installs it there). Knowing it is absent up front
 * avoids a failing native load that prints a multi-line error of its own.
 */
function cudaProviderLibrary(): { path: string; present: boolean } | null {
  if (process.platform !== "linux" && process.platform !== "win32") return null;
  try {
    const entry = createRequire(import.meta.url).resolve("onnxruntime-node");
    const dir = path.join(
      path.dirname(entry),
      "..",
      "bin",
      "napi-v6",
      process.platform,
      process.arch,
    );
    const file =
      process.platform === "win32"
        ? "onnxruntime_providers_cuda.dll"
        : "libonnxruntime_providers_cuda.so";
    const full = path.join(dir, file);
    return { path: full, present: existsSync(full) };
  } catch {
    return null;
  }
}

async function createSession(
  bytes: Uint8Array,
  opts: LoadOptions,
): Promise<{ session: ort.InferenceSession; provider: "cuda" | "cpu" }> {
  const lib = cudaProviderLibrary();
  if ((opts.preferCuda ?? true) && lib && !lib.present) {
    opts.log?.(
      `CUDA execution provider unavailable (${lib.path} is not installed); running the demo model on CPU`,
    );
  } else if (opts.preferCuda ?? true) {
    try {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [{ name: "cuda", deviceId: opts.deviceId ?? 0 }],
        // The native logger would print its own multi-line error; the one line below is enough.
        logSeverityLevel: 4,
      });
      return { session, provider: "cuda" };
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0]?.trim();
      opts.log?.(
        `CUDA execution provider unavailable (${reason || "unknown reason"}); running the demo model on CPU`,
      );
    }
  }
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["cpu"] });
  return { session, provider: "cpu" };
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

  const { session, provider } = await createSession(bytes, opts);
  const inputName = meta.input.name;
  const outputName = meta.output.name;
  const pixels = INPUT_SIZE * INPUT_SIZE;

  const predict = async (images: Buffer[]): Promise<number[][]> => {
    if (images.length === 0) return [];
    const inputs = await Promise.all(images.map((image) => preprocessImage(image)));
    const batch = new Float32Array(images.length * pixels);
    inputs.forEach((input, i) => batch.set(input, i * pixels));
    const tensor = new ort.Tensor("float32", batch, [images.length, 1, INPUT_SIZE, INPUT_SIZE]);
    const result = await session.run({ [inputName]: tensor });
    const out = result[outputName];
    if (!out) throw new Error(`model produced no output named ${outputName}`);
    const data = out.data as Float32Array;
    return images.map((_, i) =>
      Array.from(data.subarray(i * labels.length, (i + 1) * labels.length)),
    );
  };

  return {
    name: meta.name,
    version: meta.version,
    sha256,
    provider,
    labels,
    thresholds,
    predict,
    async generate(images) {
      const probabilities = await predict(images);
      return probabilities.map((p, i) =>
        writeModelReport(p, labels, thresholds, rngForImage(images[i]!)),
      );
    },
    async close() {
      await session.release();
    },
  };
}

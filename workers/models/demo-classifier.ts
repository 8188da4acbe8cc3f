import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import * as ort from "onnxruntime-node";
import sharp, { type OutputInfo } from "sharp";
import type { Rng } from "../../server/demo/rng";

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

type Finding = "cardiomegaly" | "effusion" | "pneumothorax" | "consolidation";

interface Positive {
  finding: Finding;
  sides: ("right" | "left")[];
  /** Highest margin above threshold, in [0, 1], among the positive labels. */
  strength: number;
}

function collectPositives(probabilities: number[], labels: string[], thresholds: number[]) {
  const found = new Map<Finding, Positive>();
  labels.forEach((label, i) => {
    const p = probabilities[i];
    const t = thresholds[i] ?? 0.5;
    if (p === undefined || p < t) return;
    const [name, side] = label.split("_") as [string, string | undefined];
    if (!["cardiomegaly", "effusion", "pneumothorax", "consolidation"].includes(name)) return;
    const finding = name as Finding;
    const entry = found.get(finding) ?? { finding, sides: [], strength: 0 };
    if (side === "right" || side === "left") entry.sides.push(side);
    entry.strength = Math.max(entry.strength, (p - t) / Math.max(1e-6, 1 - t));
    found.set(finding, entry);
  });
  for (const entry of found.values()) {
    entry.sides.sort((a, b) => (a === b ? 0 : a === "right" ? -1 : 1));
  }
  return found;
}

const sideWord = (sides: string[]): string => (sides.length === 2 ? "bilateral" : (sides[0] ?? ""));

const pick = (options: readonly string[], rng?: Rng): string =>
  rng ? rng.pick(options) : (options[0] as string);

/**
 * Templated report from per-label probabilities. Without an rng the text is a pure function
 * of the probabilities; with one, the wording varies between a few fixed alternatives.
 */
export function writeModelReport(
  probabilities: number[],
  labels: string[],
  thresholds: number[],
  rng?: Rng,
): string {
  const pos = collectPositives(probabilities, labels, thresholds);
  const findings: string[] = [];
  const impression: string[] = [];

  const heart = pos.get("cardiomegaly");
  findings.push(
    heart
      ? pick(
          ["The cardiac silhouette is enlarged.", "The cardiac silhouette appears enlarged."],
          rng,
        )
      : pick(["The cardiac silhouette is normal in size.", "Cardiac size appears normal."], rng),
  );

  const cons = pos.get("consolidation");
  if (cons) {
    const where = cons.sides.length === 2 ? "both lungs" : `the ${sideWord(cons.sides)} lung`;
    findings.push(`There is patchy airspace opacity in ${where}.`);
    impression.push(
      cons.sides.length === 2
        ? "Bilateral airspace opacities, suspicious for consolidation."
        : `${cap(sideWord(cons.sides))} airspace opacity, suspicious for consolidation.`,
    );
  } else {
    findings.push(
      pick(["No focal airspace opacity is identified.", "No focal airspace opacity is seen."], rng),
    );
  }

  const eff = pos.get("effusion");
  if (eff) {
    const size = eff.strength < 0.35 ? "small " : "";
    findings.push(
      eff.sides.length === 2
        ? `There are ${size}bilateral pleural effusions.`
        : `There is a ${size}${sideWord(eff.sides)} pleural effusion.`,
    );
    impression.push(
      eff.sides.length === 2
        ? "Bilateral pleural effusions."
        : `${cap(sideWord(eff.sides))} pleural effusion.`,
    );
  } else {
    findings.push(
      pick(["No pleural effusion is identified.", "No pleural effusion is seen."], rng),
    );
  }

  const ptx = pos.get("pneumothorax");
  if (ptx) {
    findings.push(
      ptx.sides.length === 2
        ? "There are bilateral pneumothoraces."
        : `There is a ${sideWord(ptx.sides)} pneumothorax.`,
    );
    impression.unshift(
      ptx.sides.length === 2
        ? "Bilateral pneumothoraces."
        : `${cap(sideWord(ptx.sides))} pneumothorax.`,
    );
  } else {
    findings.push(pick(["No pneumothorax is identified.", "No pneumothorax is seen."], rng));
  }
  if (heart) impression.push("Cardiomegaly.");

  const impressionText =
    impression.length === 0
      ? "No acute cardiopulmonary abnormality."
      : impression.length === 1
        ? impression[0]
        : impression.map((item, i) => `${i + 1}. ${item}`).join(" ");
  return `Findings: ${findings.join(" ")}\n\nImpression: ${impressionText}`;
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

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
      return probabilities.map((p) => writeModelReport(p, labels, thresholds));
    },
    async close() {
      await session.release();
    },
  };
}

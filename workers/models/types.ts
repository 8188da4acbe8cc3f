import type { ServedKind } from "../../server/models/schema";

export type ExecutionProvider = "cuda" | "cpu";

/**
 * What the worker needs of a model, whatever its kind: images in, report texts out. A batch
 * goes through two steps so the CPU work of one batch (decode, resize, normalize) can run
 * while the model works on the previous one.
 */
export interface ReportModel<Prepared = unknown> {
  kind: ServedKind;
  name: string;
  version: string;
  sha256: string;
  provider: ExecutionProvider;
  /**
   * What is recorded on each report when set (the settings decoding actually used);
   * otherwise the registered parameters are.
   */
  parameters?: Record<string, unknown>;
  /** Decodes and preprocesses each image; an undecodable one yields an ImageDecodeError in its place. */
  prepare(images: Buffer[]): Promise<(Prepared | ImageDecodeError)[]>;
  /** Runs the model on prepared images: one report text per image, in order. */
  infer(batch: Prepared[]): Promise<string[]>;
  /** prepare and infer in one call; rejects with the first ImageDecodeError. */
  generate(images: Buffer[]): Promise<string[]>;
  close(): Promise<void>;
}

export interface LoadOptions {
  preferCuda?: boolean;
  deviceId?: number;
  log?: (msg: string) => void;
}

export class ImageDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ImageDecodeError";
  }
}

/**
 * A failure that no retry can fix: the worker fails the jobs at once with this message,
 * which is worded for the admin, instead of handing them back to the queue.
 */
export class PermanentModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentModelError";
  }
}

/** prepare + infer for callers that want texts or an exception (tests, benchmarks). */
export async function generateStrict<P>(
  model: Pick<ReportModel<P>, "prepare" | "infer">,
  images: Buffer[],
): Promise<string[]> {
  if (images.length === 0) return [];
  const prepared = await model.prepare(images);
  const failed = prepared.find((p) => p instanceof ImageDecodeError);
  if (failed) throw failed;
  return model.infer(prepared as P[]);
}

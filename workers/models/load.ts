import type { ModelKind } from "@prisma/client";
import { modelDigest } from "../../server/models/mutations";
import { loadClassifierModel } from "./classifier";
import { loadImageToTextModel } from "./image-to-text";
import { PermanentModelError, type LoadOptions, type ReportModel } from "./types";

/** A registered model version, as the worker reads it from the registry. */
export interface RegisteredModel {
  name: string;
  version: string;
  kind: ModelKind;
  path: string;
  sha256: string;
  parameters: unknown;
}

/** The folder no longer holds the files that were registered under this version. */
export class ModelFilesChangedError extends PermanentModelError {
  constructor(
    readonly expected: string,
    readonly found: string,
    folder: string,
  ) {
    super(
      `model files changed since registration: expected ${expected}, found ${found} (in ${folder}); restore the registered files, or register the new ones as a new version and add it to the study`,
    );
    this.name = "ModelFilesChangedError";
  }
}

const asObject = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/**
 * Loads a registered model for serving, after checking that its folder still holds the
 * registered files (the same fingerprint `models add` recorded), whatever its kind.
 */
export async function loadServedModel(
  row: RegisteredModel,
  opts: LoadOptions = {},
): Promise<ReportModel> {
  if (row.kind === "EXTERNAL") {
    throw new Error(
      `${row.name} ${row.version} names reports imported with a dataset; no worker serves it`,
    );
  }
  const found = await modelDigest(row.path, row.kind);
  if (found !== row.sha256) throw new ModelFilesChangedError(row.sha256, found, row.path);
  const identity = {
    name: row.name,
    version: row.version,
    sha256: row.sha256,
    parameters: asObject(row.parameters),
  };
  return row.kind === "FINDINGS_CLASSIFIER"
    ? loadClassifierModel(row.path, { ...opts, ...identity })
    : loadImageToTextModel(row.path, { ...opts, ...identity });
}

/**
 * Stands in for a model that must not be served: every batch fails at once with the reason,
 * so queued jobs end FAILED with words the admin can act on instead of waiting forever.
 */
export function refusingModel(row: RegisteredModel, error: PermanentModelError): ReportModel {
  const refuse = () => Promise.reject(error);
  return {
    kind: row.kind === "EXTERNAL" ? "FINDINGS_CLASSIFIER" : row.kind,
    name: row.name,
    version: row.version,
    sha256: row.sha256,
    provider: "cpu",
    prepare: refuse,
    infer: refuse,
    generate: refuse,
    close: () => Promise.resolve(),
  };
}

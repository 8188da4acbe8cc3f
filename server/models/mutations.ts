import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Prisma } from "@prisma/client";
import { isUniqueViolation, type DbClient } from "../db/client";
import { AppError } from "../errors";
import { sha256OfFile } from "../storage";
import {
  ClassifierCardError,
  classifierThresholdOverrides,
  readClassifierCard,
} from "./classifier-card";
import { addModelInput, REQUIRED_FILES, type AddModelInput, type ServedKind } from "./schema";

/** The files whose contents make a classifier: its weights and the card that says how to serve them. */
const CLASSIFIER_FILES = ["model.json", "model.onnx"];

/**
 * The fingerprint the worker checks when it loads a model: the sha256 of the sorted lines
 * "file sha256" of the model's files: for a classifier model.json and model.onnx (its card
 * decides preprocessing, thresholds and the report template, so it is part of the model),
 * for other kinds every file in the folder.
 */
export async function modelDigest(folder: string, kind: ServedKind): Promise<string> {
  // stat, not the directory entry: folders such as Hugging Face's cache hold symlinks to blobs.
  const entries =
    kind === "FINDINGS_CLASSIFIER"
      ? CLASSIFIER_FILES
      : (await readdir(folder)).filter((name) => statSync(path.join(folder, name)).isFile()).sort();
  if (entries.length === 0)
    throw new AppError("BAD_REQUEST", `The model folder ${folder} holds no files`);
  const lines = [];
  for (const name of entries) lines.push(`${name} ${await sha256OfFile(path.join(folder, name))}`);
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

/** Refuses a folder that lacks a file its kind needs, naming what is missing. */
export function checkModelFolder(folder: string, kind: ServedKind): void {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new AppError("BAD_REQUEST", `Model folder not found: ${folder}`);
  }
  const missing = REQUIRED_FILES[kind]
    .filter(
      (need) =>
        !(Array.isArray(need) ? need : [need]).some((f) => existsSync(path.join(folder, f))),
    )
    .map((need) => (Array.isArray(need) ? need.join(" or ") : need));
  if (missing.length > 0) {
    throw new AppError(
      "BAD_REQUEST",
      `The ${kind.toLowerCase().replace(/_/g, "-")} folder ${folder} lacks ${missing.join(", ")}`,
    );
  }
}

/**
 * A classifier's card is checked when it is registered, so the admin hears at once what a
 * worker would refuse later: a bad model.json, no template, thresholds for unknown labels.
 */
async function checkClassifierCard(folder: string, parameters: unknown): Promise<void> {
  try {
    classifierThresholdOverrides(await readClassifierCard(folder), parameters);
  } catch (error) {
    if (error instanceof ClassifierCardError) throw new AppError("BAD_REQUEST", error.message);
    throw error;
  }
}

/**
 * Registers a model version. The same name and version with the same weights is a no-op;
 * with other weights it is refused, so a version always names exactly one set of weights.
 */
export async function registerModel(
  db: DbClient,
  input: {
    name: string;
    version: string;
    sha256: string;
    path: string;
    isDemo: boolean;
    kind?: ServedKind;
    parameters?: Prisma.InputJsonObject;
  },
) {
  const select = { id: true, name: true, version: true, sha256: true, parameters: true } as const;
  const existing = await db.aiModel.findUnique({
    where: { name_version: { name: input.name, version: input.version } },
    select,
  });
  if (existing && existing.sha256 !== input.sha256) {
    throw new AppError(
      "CONFLICT",
      `${input.name} ${input.version} is registered with other weights; give the new weights a new version`,
    );
  }
  if (existing) return existing;
  try {
    return await db.aiModel.create({ data: input, select });
  } catch (error) {
    // Two workers registering the same version at once: the second reads the first's row.
    if (!isUniqueViolation(error)) throw error;
    return registerModel(db, input);
  }
}

/** `npx blindread models add` and the admin page: checks the folder, then registers it. */
export async function addModel(db: DbClient, raw: AddModelInput) {
  const input = addModelInput.parse(raw);
  const folder = path.resolve(input.path);
  checkModelFolder(folder, input.kind);
  if (input.kind === "FINDINGS_CLASSIFIER") await checkClassifierCard(folder, input.parameters);
  const sha256 = await modelDigest(folder, input.kind);
  return registerModel(db, {
    name: input.name,
    version: input.version,
    kind: input.kind,
    path: folder,
    sha256,
    isDemo: false,
    parameters: input.parameters as Prisma.InputJsonObject,
  });
}

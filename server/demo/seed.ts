import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { createUser } from "../auth/mutations";
import { AppError } from "../errors";
import type { Db } from "../db/client";
import { storeFile } from "../storage";
import { modelDigest, registerModel } from "../models/mutations";
import { addCase, createStudy } from "../studies/mutations";
import { findingTags, isNormal, NORMAL_FINDINGS, randomFindings, type Findings } from "./findings";
import { renderPhantom } from "./phantom";
import { writeRadiologyReport } from "./reports";
import { createRng, deriveSeed } from "../lib/rng";

export const DEMO_STUDY_NAME = "Demo: synthetic chest radiographs";
export const DEMO_SEED = 20_231_018;

/** Demo sign-ins, printed by `npm start`. Demo data only: never used outside the demo. */
export const DEMO_USERS = {
  admin: { email: "admin@blindread.local", password: "blindread-admin", name: "Demo Admin" },
  readers: [1, 2, 3].map((i) => ({
    email: `reader${i}@blindread.local`,
    password: "blindread-reader",
    name: `Demo Reader ${i}`,
  })),
} as const;

const modelCardSchema = z.object({
  name: z.string(),
  version: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  output: z.object({ labels: z.array(z.string()) }),
  thresholds: z.array(z.number()),
  template: z.unknown().optional(),
});

/**
 * Reads a demo-style classifier folder's model.json: name, version, the folder's
 * fingerprint, and its generation parameters (the per-finding thresholds), which every
 * report will record.
 */
async function readModelCard(modelDir: string) {
  const card = modelCardSchema.parse(
    JSON.parse(await readFile(path.join(modelDir, "model.json"), "utf8")),
  );
  if (card.template !== undefined) {
    throw new Error(
      `${modelDir} is a classifier with its own report template, not a demo model; register it with npx blindread models add`,
    );
  }
  const thresholds = Object.fromEntries(
    card.output.labels.map((l, i) => [l, card.thresholds[i] ?? null]),
  );
  return {
    name: card.name,
    version: card.version,
    sha256: await modelDigest(modelDir, "FINDINGS_CLASSIFIER"),
    /** model.onnx's sha256 alone, as model.json records it. */
    weightsSha256: card.sha256,
    kind: "FINDINGS_CLASSIFIER" as const,
    parameters: { thresholds },
  };
}

/** A classifier whose model.json has a report template: registered by an admin, not as a demo. */
export async function isTemplatedClassifier(modelDir: string): Promise<boolean> {
  const card = JSON.parse(await readFile(path.join(modelDir, "model.json"), "utf8")) as unknown;
  return !!card && typeof card === "object" && "template" in card;
}

/**
 * Registers the demo model from its folder (a no-op once registered). Databases seeded
 * before a classifier's fingerprint covered model.json recorded model.onnx's sha256 alone:
 * when registering meets such a row of the same weights, the row is brought up to the
 * fingerprint once and registering goes on.
 */
export async function registerDemoModel(db: Db, modelDir: string) {
  const { weightsSha256, ...card } = await readModelCard(modelDir);
  const register = () => registerModel(db, { ...card, path: modelDir, isDemo: true });
  try {
    return await register();
  } catch (error) {
    if (!(error instanceof AppError && error.code === "CONFLICT")) throw error;
    const upgraded = await db.aiModel.updateMany({
      where: { name: card.name, version: card.version, isDemo: true, sha256: weightsSha256 },
      data: { sha256: card.sha256 },
    });
    if (upgraded.count === 0) throw error;
    return register();
  }
}

/** The demo's cases: a fixed share normal, the rest drawn from the finding mix. */
export function demoCaseFindings(count: number, seed = DEMO_SEED): Findings[] {
  const rng = createRng(deriveSeed(seed, "findings"));
  const normals = Math.round(count * 0.4);
  const cases: Findings[] = [];
  for (let i = 0; i < count; i++) {
    if (i < normals) {
      cases.push({ ...NORMAL_FINDINGS });
      continue;
    }
    let f = randomFindings(rng, 1);
    while (isNormal(f)) f = randomFindings(rng, 1);
    cases.push(f);
  }
  return createRng(deriveSeed(seed, "case-order")).shuffle(cases);
}

export interface SeedDemoOptions {
  cases: number;
  modelDir: string;
  /** Adds one case whose image file is corrupt, to show how a failed case looks. */
  includeCorruptCase?: boolean;
  log?: (line: string) => void;
}

/**
 * Creates the demo: an admin, three readers, the demo model and a study of procedural
 * phantoms with ground-truth reports written from their known findings. Does nothing if
 * the demo study exists. Returns the generation jobs to queue.
 */
export async function seedDemo(
  db: Db,
  opts: SeedDemoOptions,
): Promise<{ created: boolean; generationJobIds: string[] }> {
  const log = opts.log ?? (() => undefined);
  const expectedCases = opts.cases + (opts.includeCorruptCase ? 1 : 0);
  const previous = await db.study.findFirst({
    where: { name: DEMO_STUDY_NAME },
    select: { id: true, status: true, _count: { select: { cases: true } } },
  });
  if (previous) {
    // A start interrupted while seeding leaves a partial draft: replace it, never a real one.
    const isPartial = previous.status === "DRAFT" && previous._count.cases < expectedCases;
    if (!isPartial) return { created: false, generationJobIds: [] };
    log("removing a partly created demo study from an interrupted start");
    await db.study.delete({ where: { id: previous.id } });
  }
  const existing = new Set(
    (await db.user.findMany({ select: { email: true } })).map((u) => u.email),
  );
  for (const u of [DEMO_USERS.admin, ...DEMO_USERS.readers]) {
    if (existing.has(u.email)) continue;
    await createUser(db, { ...u, role: u === DEMO_USERS.admin ? "ADMIN" : "READER" });
  }
  const readers = await db.user.findMany({
    where: { email: { in: DEMO_USERS.readers.map((r) => r.email) } },
    select: { id: true },
  });

  const model = await registerDemoModel(db, opts.modelDir);

  const study = await createStudy(db, {
    name: DEMO_STUDY_NAME,
    description:
      "Procedural chest radiograph phantoms with known findings. The AI reports come from a small demo model trained on phantoms; it is not a clinical model.",
    seed: DEMO_SEED,
    modelIds: [model.id],
    readerIds: readers.map((r) => r.id),
    openWhenReady: true,
  });

  const generationJobIds: string[] = [];
  const findings = demoCaseFindings(opts.cases);
  for (const [index, f] of findings.entries()) {
    const externalId = `DEMO-${String(index + 1).padStart(3, "0")}`;
    const caseSeed = deriveSeed(DEMO_SEED, externalId);
    const png = await renderPhantom({ seed: caseSeed, findings: f });
    const stored = await storeFile(`studies/${study.id}/${externalId}.png`, png);
    const result = await addCase(db, {
      studyId: study.id,
      externalId,
      imagePath: stored.path,
      imageSha256: stored.sha256,
      isAbnormal: !isNormal(f),
      findingTags: findingTags(f),
      groundTruthReport: writeRadiologyReport(f, createRng(deriveSeed(caseSeed, "report"))),
    });
    generationJobIds.push(...result.generationJobIds);
    log(`demo case ${index + 1}/${findings.length}`);
  }
  if (opts.includeCorruptCase) {
    const externalId = `DEMO-${String(findings.length + 1).padStart(3, "0")}`;
    const bytes = Buffer.from("\x89PNG\r\n\x1a\n this file was cut short on purpose", "binary");
    const stored = await storeFile(`studies/${study.id}/${externalId}.png`, bytes);
    const result = await addCase(db, {
      studyId: study.id,
      externalId,
      imagePath: stored.path,
      imageSha256: stored.sha256,
      isAbnormal: null,
      findingTags: [],
      groundTruthReport: "Findings: Image unavailable. Impression: Technically inadequate study.",
    });
    generationJobIds.push(...result.generationJobIds);
  }
  return { created: true, generationJobIds };
}

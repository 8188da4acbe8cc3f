import { randomBytes } from "node:crypto";
import path from "node:path";
import { createUser } from "@/server/auth/mutations";
import type { Role } from "@/server/auth/schema";
import { getDb, type Db } from "@/server/db/client";
import { NORMAL_FINDINGS, type Findings } from "@/server/demo/findings";
import { renderPhantom } from "@/server/demo/phantom";
import { registerDemoModel as registerDemo } from "@/server/demo/seed";
import { storeFile } from "@/server/storage";
import type { StudyDesignInput } from "@/server/studies/design";
import { addCase, createStudy, openStudy } from "@/server/studies/mutations";
import { createCaller } from "@/server/api/root";
import { createInnerContext } from "@/server/api/trpc";

export const DEMO_MODEL_DIR = path.resolve("models/demo-cxr");

export function db(): Db {
  return getDb();
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString("hex")}@test.blindread.local`;
}

export async function makeUser(role: Role, password = "correct horse battery") {
  const email = uniqueEmail(role.toLowerCase());
  const user = await createUser(db(), { email, role, password });
  return { ...user, password };
}

export function registerDemoModel() {
  return registerDemo(db(), DEMO_MODEL_DIR);
}

export interface TestCaseSpec {
  findings?: Findings;
  /** Bytes to store instead of a rendered phantom (e.g. a corrupt file). */
  imageBytes?: Buffer;
  groundTruth?: string;
  site?: string;
}

/** A draft study with the demo model, the given readers and cases (images stored for real). */
export async function makeStudy(opts: {
  readerIds: string[];
  cases: TestCaseSpec[];
  openWhenReady?: boolean;
  seed?: number;
  successLevels?: ("A" | "B" | "C" | "D")[];
  design?: StudyDesignInput;
}) {
  const model = await registerDemoModel();
  const study = await createStudy(db(), {
    name: `Test study ${randomBytes(3).toString("hex")}`,
    modelIds: [model.id],
    readerIds: opts.readerIds,
    openWhenReady: opts.openWhenReady ?? false,
    seed: opts.seed,
    successLevels: opts.successLevels,
    design: opts.design,
  });
  const generationJobIds: string[] = [];
  for (const [i, spec] of opts.cases.entries()) {
    const externalId = `CASE-${i + 1}`;
    const bytes =
      spec.imageBytes ??
      (await renderPhantom({
        seed: 1000 + i,
        findings: spec.findings ?? NORMAL_FINDINGS,
        size: 256,
      }));
    const stored = await storeFile(`test/${study.id}/${externalId}.png`, bytes);
    const added = await addCase(db(), {
      studyId: study.id,
      externalId,
      imagePath: stored.path,
      imageSha256: stored.sha256,
      site: spec.site ?? null,
      groundTruthReport:
        spec.groundTruth ?? `Findings: Case ${i + 1} ground truth. Impression: Normal.`,
    });
    generationJobIds.push(...added.generationJobIds);
  }
  return { studyId: study.id, modelId: model.id, generationJobIds };
}

const caller = (userId: string) => createCaller(createInnerContext({ userId }));

/** A study with AI reports written directly (the worker has its own tests), opened. */
export async function openedStudy(
  readers: number,
  cases: number,
  options: {
    successLevels?: ("A" | "B" | "C" | "D")[];
    siteOf?: (i: number) => string;
    design?: StudyDesignInput;
  } = {},
) {
  const readerUsers = await Promise.all(Array.from({ length: readers }, () => makeUser("READER")));
  const study = await makeStudy({
    readerIds: readerUsers.map((r) => r.id),
    successLevels: options.successLevels,
    design: options.design,
    cases: Array.from({ length: cases }, (_, i) => ({
      groundTruth: `Findings: Ground truth ${i}. Impression: Normal.`,
      site: options.siteOf?.(i),
    })),
  });
  const caseRows = await db().case.findMany({
    where: { studyId: study.studyId },
    select: { id: true },
  });
  for (const c of caseRows) {
    await db().report.create({
      data: {
        caseId: c.id,
        source: "AI",
        modelId: study.modelId,
        text: "Findings: Model text. Impression: Normal.",
        provider: "cpu",
        generationMs: 12,
      },
    });
  }
  await db().generationJob.updateMany({
    where: { case: { studyId: study.studyId } },
    data: { status: "SUCCEEDED" },
  });
  await openStudy(db(), study.studyId);
  return { ...study, readers: readerUsers };
}

export async function readAll(userId: string) {
  const [list] = await caller(userId).reading.list();
  if (!list) throw new Error("no reading list");
  const items = [];
  for (let p = 1; p <= list.total; p++)
    items.push(await caller(userId).reading.get({ studyToken: list.studyToken, position: p }));
  return { list, items };
}

/** Report-generation jobs as the queue hands them to a worker, none on its last attempt. */
export function queuedJobs(ids: readonly string[]) {
  return ids.map((id) => ({ data: { generationJobId: id }, isLastAttempt: false }));
}

import { createHash } from "node:crypto";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateReportJob } from "@/server/jobs/definitions";
import { enqueueReportGeneration, startQueue } from "@/server/jobs/queue";
import { addModel } from "@/server/models/mutations";
import { normalizeReport } from "@/server/reports/normalize";
import { storeFile } from "@/server/storage";
import { addCase, createStudy } from "@/server/studies/mutations";
import { ModelFilesChangedError, loadServedModel } from "@/workers/models/load";
import {
  BRIGHT_REPORT,
  DARK_REPORT,
  flatImage,
  writeImageToTextModel,
} from "../fixtures/image-to-text-model";
import { solidImage, writeClassifierModel } from "../fixtures/classifier-model";
import { DEMO_MODEL_DIR, db, makeUser, readAll } from "./helpers";
import { exited, startWorkerProcess } from "./processes";

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** The folder fingerprint as the registry defines it: sha256 of sorted "name sha256" lines. */
async function folderDigest(dir: string): Promise<string> {
  const names = (await readdir(dir)).sort();
  const lines = [];
  for (const name of names) lines.push(`${name} ${sha256(await readFile(path.join(dir, name)))}`);
  return sha256(lines.join("\n"));
}

const folders: string[] = [];
afterAll(async () => {
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

const startWorker = (model: string) =>
  startWorkerProcess({ args: ["--model", model], env: { WORKER_RECOVERY_INTERVAL_SECONDS: "1" } });

async function studyWith(modelId: string, readerId: string, images: Buffer[]) {
  const study = await createStudy(db(), {
    name: `Image-to-text ${modelId}`,
    modelIds: [modelId],
    readerIds: [readerId],
    openWhenReady: true,
  });
  const jobs: string[] = [];
  for (const [i, bytes] of images.entries()) {
    const stored = await storeFile(`test/${study.id}/I-${i}.png`, bytes);
    const added = await addCase(db(), {
      studyId: study.id,
      externalId: `I-${i}`,
      imagePath: stored.path,
      imageSha256: stored.sha256,
      groundTruthReport: `Findings: Ground truth ${i}. Impression: Normal.`,
    });
    jobs.push(...added.generationJobIds);
  }
  return { studyId: study.id, jobs };
}

async function untilDone(jobIds: string[], worker: { output: () => string }) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const open = await db().generationJob.count({
      where: { id: { in: jobIds }, status: { in: ["QUEUED", "RUNNING"] } },
    });
    if (open === 0) return;
    if (Date.now() > deadline)
      throw new Error(`jobs not done; the worker said:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("image-to-text models in the worker", () => {
  it("writes each case's report from a registered model, and fails the jobs of a model whose files changed", async () => {
    const reader = await makeUser("READER");
    const suffix = Date.now().toString(36);

    // A good model, registered as an admin would, with one decoding setting overridden.
    const good = await writeImageToTextModel();
    folders.push(good);
    const model = await addModel(db(), {
      name: `tiny-i2t-${suffix}`,
      version: "1.0",
      kind: "IMAGE_TO_TEXT",
      path: good,
      parameters: { max_new_tokens: 20 },
    });
    const [white, black] = await Promise.all([flatImage(255, 300), flatImage(0, 200)]);
    const corrupt = Buffer.from("\x89PNG\r\n\x1a\n truncated", "binary");
    const study = await studyWith(model.id, reader.id, [white, black, corrupt, black]);

    // A second model whose files change after registration.
    const changed = await writeImageToTextModel();
    folders.push(changed);
    const stale = await addModel(db(), {
      name: `tiny-i2t-changed-${suffix}`,
      version: "1.0",
      kind: "IMAGE_TO_TEXT",
      path: changed,
    });
    await writeFile(
      path.join(changed, "generation_config.json"),
      JSON.stringify({ eos_token_id: 1, max_new_tokens: 5 }),
    );
    const refused = await studyWith(stale.id, reader.id, [white, black]);

    const boss = await startQueue(process.env.DATABASE_URL!);
    await enqueueReportGeneration(boss, db(), [...study.jobs, ...refused.jobs]);
    await boss.stop({ graceful: false, wait: true });

    const workers = [startWorker(`${model.name}@1.0`), startWorker(`${stale.name}@1.0`)];
    try {
      await untilDone(study.jobs, workers[0]!);
      await untilDone(refused.jobs, workers[1]!);
    } finally {
      for (const w of workers) {
        const gone = exited(w.child);
        w.child.kill("SIGTERM");
        expect(await gone).toEqual({ code: 0, signal: null });
      }
    }
    expect(workers[0]!.output()).toMatch(/serving tiny-i2t-\S+ 1\.0 \(image-to-text\) on CPU/);
    expect(workers[1]!.output()).toMatch(/refusing tiny-i2t-changed-\S+ 1\.0: model files changed/);

    const reports = await db().report.findMany({
      where: { case: { studyId: study.studyId }, source: "AI" },
      select: {
        text: true,
        provider: true,
        parameters: true,
        case: { select: { externalId: true } },
        model: { select: { name: true, version: true } },
      },
    });
    const byCase = Object.fromEntries(reports.map((r) => [r.case.externalId, r]));
    // The fixture's construction: white selects BRIGHT_REPORT, black DARK_REPORT.
    expect(byCase["I-0"]?.text).toBe(BRIGHT_REPORT);
    expect(byCase["I-1"]?.text).toBe(DARK_REPORT);
    expect(byCase["I-3"]?.text).toBe(DARK_REPORT);
    expect(byCase["I-2"]).toBeUndefined();
    for (const r of reports) {
      expect(r.provider).toBe("cpu"); // WORKER_PREFER_CUDA=false
      expect(r.model).toEqual({ name: model.name, version: "1.0" });
      // generation_config.json of the fixture, with the registered max_new_tokens over it.
      expect(r.parameters).toEqual({
        decoder_start_token_id: 0,
        bos_token_id: 0,
        eos_token_id: 1,
        pad_token_id: 2,
        max_new_tokens: 20,
        num_beams: 1,
        do_sample: false,
      });
    }
    const corruptJob = await db().generationJob.findFirstOrThrow({
      where: { case: { studyId: study.studyId, externalId: "I-2" } },
    });
    expect(corruptJob).toMatchObject({ status: "FAILED" });
    expect(corruptJob.errorMessage).toMatch(/could not be decoded/);

    // The study opened with its three good cases; the reader sees the house style.
    const { items } = await readAll(reader.id);
    const seen = items.map((i) => i.report);
    expect(seen).toContain(normalizeReport(BRIGHT_REPORT));
    expect(seen).toContain(normalizeReport(DARK_REPORT));

    // The changed model: every job failed at once, on its first attempt, with the reason.
    const expected = `model files changed since registration: expected ${stale.sha256}, found ${await folderDigest(changed)}`;
    const failed = await db().generationJob.findMany({ where: { id: { in: refused.jobs } } });
    expect(failed).toHaveLength(2);
    for (const job of failed) {
      expect(job.status).toBe("FAILED");
      expect(job.attempts).toBe(1);
      expect(job.errorMessage?.startsWith(expected)).toBe(true);
    }
    // Not retried: the queue's copies are complete rather than waiting for another attempt.
    const states = await db().$queryRaw<{ state: string }[]>`
      SELECT state::text FROM pgboss.job WHERE name = ${generateReportJob.queueFor(stale.id)}`;
    expect(states.map((s) => s.state)).toEqual(["completed", "completed"]);
    expect(await db().report.count({ where: { modelId: stale.id } })).toBe(0);
  }, 150_000);

  it("checks the registered sha256 of a classifier as well", async () => {
    const fileSha = async (name: string) => sha256(await readFile(path.join(DEMO_MODEL_DIR, name)));
    const row = {
      name: "classifier-registered-otherwise",
      version: "1",
      kind: "FINDINGS_CLASSIFIER" as const,
      path: DEMO_MODEL_DIR,
      sha256: "0".repeat(64),
      parameters: {},
    };
    const error = await loadServedModel(row, { preferCuda: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFilesChangedError);
    // A classifier's fingerprint covers model.json and model.onnx (sorted "name sha256" lines).
    const found = sha256(
      `model.json ${await fileSha("model.json")}\nmodel.onnx ${await fileSha("model.onnx")}`,
    );
    expect((error as Error).message).toMatch(
      `model files changed since registration: expected ${"0".repeat(64)}, found ${found}`,
    );
  });
});

describe("findings classifiers in the worker", () => {
  it("serves a registered classifier with its own template and the registered thresholds", async () => {
    const reader = await makeUser("READER");
    const dir = await writeClassifierModel();
    folders.push(dir);
    const model = await addModel(db(), {
      name: `tiny-classifier-${Date.now().toString(36)}`,
      version: "2.1",
      kind: "FINDINGS_CLASSIFIER",
      path: dir,
      // Above sigmoid(5) = 0.99331: a bright blue channel no longer reports a pneumothorax.
      parameters: { thresholds: { Pneumothorax: 0.995 } },
    });
    const images = await Promise.all([
      solidImage([255, 0, 0]),
      solidImage([0, 0, 0]),
      solidImage([255, 255, 255]),
    ]);
    const study = await studyWith(model.id, reader.id, images);
    const boss = await startQueue(process.env.DATABASE_URL!);
    await enqueueReportGeneration(boss, db(), study.jobs);
    await boss.stop({ graceful: false, wait: true });

    const worker = startWorker(`${model.name}@2.1`);
    try {
      await untilDone(study.jobs, worker);
    } finally {
      const gone = exited(worker.child);
      worker.child.kill("SIGTERM");
      expect(await gone).toEqual({ code: 0, signal: null });
    }
    expect(worker.output()).toMatch(
      /serving tiny-classifier-\S+ 2\.1 \(findings-classifier\) on CPU/,
    );
    const reports = await db().report.findMany({
      where: { case: { studyId: study.studyId }, source: "AI" },
      select: { text: true, parameters: true, case: { select: { externalId: true } } },
    });
    const byCase = Object.fromEntries(reports.map((r) => [r.case.externalId, r]));
    // The fixture's construction (tests/fixtures/classifier-model.ts) and its template: red is
    // an effusion, black nothing, white all three but the pneumothorax the override drops.
    expect(byCase["I-0"]?.text).toBe(
      "Findings: There is a pleural effusion.\n\nImpression: Pleural effusion.",
    );
    expect(byCase["I-1"]?.text).toBe(
      "Findings: The lungs are clear. The heart is normal in size.\n\nImpression: No acute abnormality.",
    );
    expect(byCase["I-2"]?.text).toBe(
      "Findings: There is a pleural effusion. The heart is enlarged.\n\nImpression: Pleural effusion. Cardiomegaly.",
    );
    for (const r of reports) {
      expect(r.parameters).toEqual({
        thresholds: { Effusion: 0.5, Cardiomegaly: 0.5, Pneumothorax: 0.995 },
      });
    }
  }, 120_000);
});

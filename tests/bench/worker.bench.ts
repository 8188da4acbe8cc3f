/**
 * `npm run bench:worker [model-folder] [-- --kind image-to-text|conv-classifier]`: the report worker end to
 * end (queue, image read, decode and preprocessing, model, database) over N cases, next to a
 * bare inference loop (the same model, loaded the same way, over the same images
 * preprocessed beforehand) in the same run. Prints images/s for both, their ratio, p50/p95
 * time per job and per image in the model, and the execution provider. A classifier folder
 * (model.json) or an image-to-text folder (encoder_model.onnx) is served as registered;
 * `--kind image-to-text` without a folder builds the tiny test model of
 * tests/fixtures/image-to-text-model.ts, `--kind conv-classifier` a 224x224 convolutional
 * classifier of about a DenseNet-121's cost (tests/fixtures/classifier-model.ts), where the
 * model rather than image decoding and database writes sets the pace. Runs on a GPU host
 * unchanged.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createScratchDatabase } from "../../server/db/scratch";
import { printTable, quantile, writeSummary, type BenchSummary } from "./support";

const { values: flags, positionals } = parseArgs({
  options: { kind: { type: "string" } },
  allowPositionals: true,
});
const CASES = Number(process.env.BENCH_CASES ?? 400);
const BATCH = Number(process.env.WORKER_BATCH_SIZE ?? 8);
const DISTINCT_IMAGES = 16;

async function main() {
  const database = await createScratchDatabase("blindread_bench");
  const url = database.url;
  process.env.DATABASE_URL = url;
  const tmp = mkdtempSync(path.join(os.tmpdir(), "blindread-bench-worker-"));
  process.env.BLINDREAD_STORAGE_DIR = path.join(tmp, "storage");
  let rows: [string, string][] = [];
  let summary: BenchSummary[] = [];
  try {
    const { getDb } = await import("../../server/db/client");
    const { getEnv } = await import("../../server/env");
    const { createUser } = await import("../../server/auth/mutations");
    const { isTemplatedClassifier, registerDemoModel } = await import("../../server/demo/seed");
    const { renderPhantom } = await import("../../server/demo/phantom");
    const { randomFindings } = await import("../../server/demo/findings");
    const { createRng } = await import("../../server/lib/rng");
    const { storeFile } = await import("../../server/storage");
    const { addCase, createStudy } = await import("../../server/studies/mutations");
    const { addModel } = await import("../../server/models/mutations");
    const { enqueueReportGeneration, startQueue } = await import("../../server/jobs/queue");
    const { loadServedModel } = await import("../../workers/models/load");
    const { ImageDecodeError } = await import("../../workers/models/types");
    const db = getDb();

    // The model: a folder given, else the demo classifier, or the tiny image-to-text model.
    let modelDir = positionals[0] ? path.resolve(positionals[0]) : undefined;
    const kind =
      flags.kind === "image-to-text" ||
      (modelDir !== undefined && !existsSync(path.join(modelDir, "model.json")))
        ? "IMAGE_TO_TEXT"
        : "FINDINGS_CLASSIFIER";
    if (!modelDir && kind === "IMAGE_TO_TEXT") {
      const { writeImageToTextModel } = await import("../fixtures/image-to-text-model");
      modelDir = await writeImageToTextModel(path.join(tmp, "tiny-i2t"));
    }
    if (!modelDir && flags.kind === "conv-classifier") {
      const { writeConvClassifierModel } = await import("../fixtures/classifier-model");
      modelDir = await writeConvClassifierModel(path.join(tmp, "conv-classifier"));
    }
    modelDir ??= path.resolve("models/demo-cxr");
    const { id: modelId } =
      kind === "FINDINGS_CLASSIFIER" && !(await isTemplatedClassifier(modelDir))
        ? await registerDemoModel(db, modelDir)
        : await addModel(db, {
            name: `bench-${path.basename(modelDir)}`,
            version: "1",
            kind,
            path: modelDir,
          });
    const model = await db.aiModel.findUniqueOrThrow({ where: { id: modelId } });

    const reader = await createUser(db, {
      email: "bench@bench.local",
      role: "READER",
      password: "bench password",
    });
    const study = await createStudy(db, {
      name: "Worker benchmark",
      modelIds: [model.id],
      readerIds: [reader.id],
    });
    const rng = createRng(7);
    const images = await Promise.all(
      Array.from({ length: DISTINCT_IMAGES }, (_, i) =>
        renderPhantom({ seed: i, findings: randomFindings(rng) }),
      ),
    );
    const jobIds: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const stored = await storeFile(`bench/${i}.png`, images[i % DISTINCT_IMAGES]!);
      const added = await addCase(db, {
        studyId: study.id,
        externalId: `B-${i}`,
        imagePath: stored.path,
        imageSha256: stored.sha256,
        groundTruthReport: "Findings: bench. Impression: bench.",
      });
      jobIds.push(...added.generationJobIds);
    }

    // The worker, started and ready before any job is queued.
    const worker = spawn(
      process.execPath,
      ["--import", "tsx", "workers/main.ts", "--model", `${model.name}@${model.version}`],
      {
        env: { ...process.env, WORKER_BATCH_SIZE: String(BATCH) },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let log = "";
    worker.stdout.on("data", (d) => (log += d));
    worker.stderr.on("data", (d) => (log += d));
    while (!log.includes("waiting for jobs")) {
      if (worker.exitCode !== null) throw new Error(`worker exited:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const boss = await startQueue(url);
    const t0 = performance.now();
    await enqueueReportGeneration(boss, db, jobIds);
    while ((await db.generationJob.count({ where: { status: "SUCCEEDED" } })) < CASES) {
      if (await db.generationJob.count({ where: { status: "FAILED" } })) {
        throw new Error(`a job failed; the worker said:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const endToEnd = (performance.now() - t0) / 1000;
    const stopped = new Promise((r) => worker.once("exit", r));
    worker.kill("SIGTERM");
    await stopped;
    await boss.stop({ graceful: false, wait: true });
    const jobs = await db.generationJob.findMany({ select: { startedAt: true, finishedAt: true } });
    const latencies = jobs.map(
      (j) => (j.finishedAt?.getTime() ?? 0) - (j.startedAt?.getTime() ?? 0),
    );
    const reports = await db.report.findMany({
      where: { source: "AI" },
      select: { provider: true, generationMs: true },
    });
    const provider = reports[0]?.provider ?? "unknown";
    const perImage = reports.map((r) => r.generationMs ?? 0);

    // Baseline: the same model in this process, over the same images preprocessed beforehand.
    const env = getEnv();
    const bare = await loadServedModel(model, {
      preferCuda: provider === "cuda",
      deviceId: env.WORKER_CUDA_DEVICE_ID,
    });
    const tp = performance.now();
    const prepared = await bare.prepare(images);
    const prepareMs = (performance.now() - tp) / DISTINCT_IMAGES;
    if (prepared.some((p) => p instanceof ImageDecodeError)) throw new Error("undecodable image");
    await bare.infer(prepared.slice(0, BATCH)); // warm-up, as the worker's first batch is
    const t1 = performance.now();
    for (let done = 0; done < CASES; done += BATCH) {
      const n = Math.min(BATCH, CASES - done);
      await bare.infer(Array.from({ length: n }, (_, i) => prepared[(done + i) % DISTINCT_IMAGES]));
    }
    const bareSeconds = (performance.now() - t1) / 1000;
    await bare.close();
    await db.$disconnect();

    const e2eRate = CASES / endToEnd;
    const bareRate = CASES / bareSeconds;
    rows = [
      ["model", `${model.name} ${model.version}, ${kind.toLowerCase()} (${modelDir})`],
      ["execution provider", provider],
      ["cases, batch size, CPU cores", `${CASES}, ${BATCH}, ${os.availableParallelism()}`],
      ["end to end", `${e2eRate.toFixed(1)} images/s (${endToEnd.toFixed(2)} s)`],
      ["bare inference loop", `${bareRate.toFixed(1)} images/s (${bareSeconds.toFixed(3)} s)`],
      ["ratio end to end / bare", (e2eRate / bareRate).toFixed(3)],
      [
        "time per job, claim to report",
        `p50 ${quantile(latencies, 0.5)} ms, p95 ${quantile(latencies, 0.95)} ms`,
      ],
      [
        "time per image in the worker",
        `p50 ${quantile(perImage, 0.5)} ms, p95 ${quantile(perImage, 0.95)} ms (preprocessing + its share of the batch's inference)`,
      ],
      ["preprocessing alone, per image", `${prepareMs.toFixed(1)} ms`],
    ];
    summary = [
      {
        benchmark: `worker (${model.name})`,
        headline: `${e2eRate.toFixed(1)} images/s end to end (${kind.toLowerCase()}, ${provider})`,
        baseline: `bare inference loop ${bareRate.toFixed(1)} images/s`,
        ratio: e2eRate / bareRate,
        target: "ratio >= 0.8 (CPU)",
        met: provider === "cpu" ? e2eRate / bareRate >= 0.8 : null,
      },
    ];
  } finally {
    await database.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
  printTable("worker benchmark", rows);
  writeSummary(summary);
}

await main();

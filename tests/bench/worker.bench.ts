/**
 * `npm run bench:worker [model-folder]`: the report worker end to end (queue, image decode
 * and preprocessing, model, database) over N cases, next to a bare `session.run` loop over
 * the same preprocessed tensors in the same run. Prints images/s for both, their ratio,
 * p50/p95 time per job, and the execution provider. Runs on a GPU host unchanged.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { createScratchDatabase } from "../../server/db/scratch";

const modelDir = path.resolve(process.argv[2] ?? "models/demo-cxr");
const CASES = Number(process.env.BENCH_CASES ?? 400);
const BATCH = Number(process.env.WORKER_BATCH_SIZE ?? 8);
const DISTINCT_IMAGES = 16;

const quantile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

async function main() {
  const database = await createScratchDatabase("blindread_bench");
  const url = database.url;
  process.env.DATABASE_URL = url;
  const tmp = mkdtempSync(path.join(os.tmpdir(), "blindread-bench-worker-"));
  process.env.BLINDREAD_STORAGE_DIR = path.join(tmp, "storage");
  const lines: [string, string][] = [];
  try {
    const { getDb } = await import("../../server/db/client");
    const { createUser } = await import("../../server/auth/mutations");
    const { readModelCard } = await import("../../server/demo/seed");
    const { renderPhantom } = await import("../../server/demo/phantom");
    const { randomFindings } = await import("../../server/demo/findings");
    const { createRng } = await import("../../server/lib/rng");
    const { storeFile } = await import("../../server/storage");
    const { addCase, createStudy } = await import("../../server/studies/mutations");
    const { registerModel } = await import("../../server/models/mutations");
    const { enqueueReportGeneration, startQueue } = await import("../../server/jobs/queue");
    const { preprocessImage } = await import("../../workers/models/demo-classifier");
    const db = getDb();

    const reader = await createUser(db, {
      email: "bench@bench.local",
      role: "READER",
      password: "bench password",
    });
    const card = await readModelCard(modelDir);
    const model = await registerModel(db, { ...card, path: modelDir, isDemo: true });
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
    const worker = spawn(process.execPath, ["--import", "tsx", "workers/main.ts"], {
      env: { ...process.env, BLINDREAD_MODEL_DIR: modelDir, WORKER_BATCH_SIZE: String(BATCH) },
      stdio: ["ignore", "pipe", "pipe"],
    });
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
      await new Promise((r) => setTimeout(r, 20));
    }
    const endToEnd = (performance.now() - t0) / 1000;
    worker.kill("SIGTERM");
    await boss.stop({ graceful: false, wait: true });
    const jobs = await db.generationJob.findMany({ select: { startedAt: true, finishedAt: true } });
    const latencies = jobs
      .map((j) => (j.finishedAt?.getTime() ?? 0) - (j.startedAt?.getTime() ?? 0))
      .sort((a, b) => a - b);
    const provider = (
      await db.report.findFirst({ where: { source: "AI" }, select: { provider: true } })
    )?.provider;

    // Baseline: the bare model over the same images, preprocessed beforehand.
    const tensors = await Promise.all(images.map((img) => preprocessImage(img)));
    const session = await ort.InferenceSession.create(path.join(modelDir, "model.onnx"), {
      executionProviders: provider === "cuda" ? [{ name: "cuda" }] : ["cpu"],
    });
    const pixels = tensors[0]!.length;
    const side = Math.sqrt(pixels);
    const inputName = session.inputNames[0]!;
    const t1 = performance.now();
    for (let done = 0; done < CASES; done += BATCH) {
      const n = Math.min(BATCH, CASES - done);
      const batch = new Float32Array(n * pixels);
      for (let i = 0; i < n; i++) batch.set(tensors[(done + i) % DISTINCT_IMAGES]!, i * pixels);
      await session.run({ [inputName]: new ort.Tensor("float32", batch, [n, 1, side, side]) });
    }
    const bare = (performance.now() - t1) / 1000;
    await session.release();
    await db.$disconnect();

    const e2eRate = CASES / endToEnd;
    const bareRate = CASES / bare;
    lines.push(
      ["model", `${card.name} ${card.version} (${modelDir})`],
      ["execution provider", provider ?? "unknown"],
      ["cases, batch size", `${CASES}, ${BATCH}`],
      ["end to end", `${e2eRate.toFixed(1)} images/s (${endToEnd.toFixed(2)} s)`],
      ["bare session.run", `${bareRate.toFixed(1)} images/s (${bare.toFixed(3)} s)`],
      ["ratio end to end / bare", `${(e2eRate / bareRate).toFixed(3)} (target >= 0.8)`],
      [
        "time per job, claim to report",
        `p50 ${quantile(latencies, 0.5)} ms, p95 ${quantile(latencies, 0.95)} ms`,
      ],
    );
  } finally {
    await database.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
  const width = Math.max(...lines.map(([k]) => k.length));
  console.log("\nworker benchmark");
  for (const [k, v] of lines) console.log(`  ${k.padEnd(width)}  ${v}`);
}

await main();

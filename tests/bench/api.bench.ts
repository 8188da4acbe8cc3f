/**
 * `npm run bench:api`: concurrent readers rate over REST on loopback against the production
 * web app (started by `npm start`'s script on a scratch database): each loops GET
 * /api/v1/reading/{list}/next and PUT /api/v1/reading/items/{token}/rating for a fixed time.
 * Prints sustained ratings/s and p50/p99 latency of the rating request, next to pgbench's
 * single-row insert rate on the same database in the same run; the ratio is the figure.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createScratchDatabase } from "../../server/db/scratch";
import { parseDatabaseUrl } from "../../server/db/connection";
import { printTable, quantile, startAppServer, writeSummary } from "./support";

const exec = promisify(execFile);
const READERS = Number(process.env.BENCH_READERS ?? 50);
const CASES = Number(process.env.BENCH_CASES ?? 60);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

async function seed(url: string, storage: string): Promise<{ tokens: string[]; lists: string[] }> {
  process.env.DATABASE_URL = url;
  process.env.BLINDREAD_STORAGE_DIR = storage;
  const { getDb } = await import("../../server/db/client");
  const { createUser, createApiToken } = await import("../../server/auth/mutations");
  const { createStudy, addCase, openStudy } = await import("../../server/studies/mutations");
  const { registerDemoModel } = await import("../../server/demo/seed");
  const { storeFile } = await import("../../server/storage");
  const { renderPhantom } = await import("../../server/demo/phantom");
  const { NORMAL_FINDINGS } = await import("../../server/demo/findings");
  const db = getDb();
  const readers = [];
  for (let i = 0; i < READERS; i++) {
    readers.push(
      await createUser(db, {
        email: `r${i}@bench.local`,
        role: "READER",
        password: "bench reader password",
      }),
    );
  }
  const model = await registerDemoModel(db, path.resolve("models/demo-cxr"));
  const study = await createStudy(db, {
    name: "API benchmark",
    modelIds: [model.id],
    readerIds: readers.map((r) => r.id),
  });
  const png = await renderPhantom({ seed: 1, findings: NORMAL_FINDINGS, size: 128 });
  const stored = await storeFile(`bench/${study.id}.png`, png);
  for (let i = 0; i < CASES; i++) {
    const added = await addCase(db, {
      studyId: study.id,
      externalId: `A-${i}`,
      imagePath: stored.path,
      imageSha256: stored.sha256,
      groundTruthReport: `Findings: Case ${i}. Impression: Normal.`,
    });
    await db.report.create({
      data: {
        caseId: added.caseId,
        source: "AI",
        modelId: model.id,
        text: `Findings: Model ${i}.`,
      },
    });
  }
  await db.generationJob.updateMany({
    where: { case: { studyId: study.id } },
    data: { status: "SUCCEEDED" },
  });
  await openStudy(db, study.id);
  const tokens = [];
  const lists = [];
  for (const r of readers) {
    tokens.push((await createApiToken(db, { email: r.email })).token);
    lists.push(
      (await db.studyReader.findFirstOrThrow({ where: { userId: r.id }, select: { token: true } }))
        .token,
    );
  }
  await db.$disconnect();
  return { tokens, lists };
}

async function pgbenchInsertRate(url: string): Promise<number> {
  const c = parseDatabaseUrl(url);
  const dir = mkdtempSync(path.join(os.tmpdir(), "blindread-pgbench-"));
  const script = path.join(dir, "insert.sql");
  writeFileSync(script, "INSERT INTO bench_inserts (level, at) VALUES ('B', now());\n");
  const env = { ...process.env, PGPASSWORD: c.password ?? "" };
  const args = ["-h", c.host, "-p", String(c.port), "-U", c.user, c.database];
  await exec(
    "psql",
    [
      ...args,
      "-c",
      "CREATE TABLE IF NOT EXISTS bench_inserts (id bigserial PRIMARY KEY, level text, at timestamptz)",
    ],
    { env },
  );
  const { stdout } = await exec(
    "pgbench",
    [
      "-n",
      "-c",
      "8",
      "-j",
      "2",
      "-T",
      "10",
      "-f",
      script,
      "-h",
      c.host,
      "-p",
      String(c.port),
      "-U",
      c.user,
      c.database,
    ],
    { env },
  );
  rmSync(dir, { recursive: true, force: true });
  const match = /tps = ([\d.]+)/.exec(stdout);
  return match ? Number(match[1]) : Number.NaN;
}

async function main() {
  const database = await createScratchDatabase("blindread_bench_api");
  const tmp = mkdtempSync(path.join(os.tmpdir(), "blindread-bench-api-"));
  const storage = path.join(tmp, "images");
  console.log(`seeding ${READERS} readers x ${CASES * 2} items...`);
  const { tokens, lists } = await seed(database.url, storage);
  const app = await startAppServer({ databaseUrl: database.url, storage, tmp });
  const base = `${app.origin}/api/v1`;
  try {
    const latencies: number[] = [];
    let failures = 0;
    const deadline = Date.now() + SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      tokens.map(async (token, i) => {
        const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
        let n = 0;
        while (Date.now() < deadline) {
          const next = (await (
            await fetch(`${base}/reading/${lists[i]}/next`, { headers })
          ).json()) as {
            done: boolean;
            item: { itemToken: string } | null;
          };
          if (next.done || !next.item) break;
          const t0 = performance.now();
          const res = await fetch(`${base}/reading/items/${next.item.itemToken}/rating`, {
            method: "PUT",
            headers,
            body: JSON.stringify({
              level: "ABCD"[n++ % 4],
              idempotencyKey: `bench-${i}-${n}-${Date.now()}`,
            }),
          });
          await res.arrayBuffer();
          if (res.ok) latencies.push(performance.now() - t0);
          else failures++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const rate = latencies.length / seconds;
    const pgbench = await pgbenchInsertRate(database.url);
    const rows: [string, string][] = [
      ["concurrent readers", String(READERS)],
      ["ratings stored", `${latencies.length} in ${seconds.toFixed(1)} s (${failures} failed)`],
      ["ratings/s (GET next + PUT rating per rating)", rate.toFixed(1)],
      ["PUT rating latency p50", `${quantile(latencies, 0.5).toFixed(1)} ms`],
      ["PUT rating latency p99", `${quantile(latencies, 0.99).toFixed(1)} ms`],
      ["pgbench single-row inserts/s (8 clients)", pgbench.toFixed(1)],
      ["ratio ratings/s / pgbench inserts/s", (rate / pgbench).toFixed(3)],
    ];
    printTable("bench:api", rows);
    writeSummary([
      {
        benchmark: "api",
        headline: `${rate.toFixed(1)} ratings/s, ${READERS} readers (PUT p99 ${quantile(latencies, 0.99).toFixed(0)} ms)`,
        baseline: `pgbench ${pgbench.toFixed(0)} single-row inserts/s`,
        ratio: rate / pgbench,
        target: "",
        met: null,
      },
    ]);
  } finally {
    await app.stop();
    rmSync(tmp, { recursive: true, force: true });
    await database.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

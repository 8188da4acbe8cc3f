/**
 * `npm run bench:audits [N]`: QA audit intake and alert evaluation.
 * 1. Intake: N cases (512 x 512 PNG, radiologist and AI report) sent to an audit through
 *    `intakeAuditCase` (the endpoint's whole path after the multipart parsing: a one-row import
 *    with de-identification and storage, the sampler, the queueing of sampled cases), next to the
 *    same cases added to a draft study through the one-case import the study endpoint runs, in
 *    the same run. Prints cases/s for both, their ratio, and p50/p95 per case.
 * 2. Alerts at scale: an audit of a year of reviews (10,000 cases, two reviewers, 40,000
 *    ratings) written by SQL, then the time `evaluateAlerts` (each background round with new
 *    reviews runs it) and the dashboard take, next to a bare fetch of the same rating rows.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import sharp from "sharp";
import { createScratchDatabase } from "../../server/db/scratch";
import { printTable, quantile, writeSummary } from "./support";

const N = Number(process.argv[2] ?? process.env.BENCH_CASES ?? 100);
const BIG_CASES = 10_000;

async function png(seed: number): Promise<Buffer> {
  const size = 512;
  const pixels = Buffer.alloc(size * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + seed * 131) % 251;
  return sharp(pixels, { raw: { width: size, height: size, channels: 1 } })
    .png()
    .toBuffer();
}

async function main() {
  const database = await createScratchDatabase("blindread_bench_audits");
  process.env.DATABASE_URL = database.url;
  const tmp = mkdtempSync(path.join(os.tmpdir(), "blindread-bench-audits-"));
  process.env.BLINDREAD_STORAGE_DIR = path.join(tmp, "storage");
  try {
    const { getDb } = await import("../../server/db/client");
    const { createUser } = await import("../../server/auth/mutations");
    const { createStudy } = await import("../../server/studies/mutations");
    const { createImportJob, executeImport } = await import("../../server/ingest/jobs");
    const { openFolder } = await import("../../server/ingest/source");
    const { writeSingleCaseDataset } = await import("../../server/ingest/upload");
    const { createAudit } = await import("../../server/audits/mutations");
    const { intakeAuditCase } = await import("../../server/audits/intake");
    const { evaluateAlerts } = await import("../../server/audits/alerts");
    const { getAuditDashboard } = await import("../../server/audits/data");
    const db = getDb();
    const admin = await createUser(db, {
      email: "admin@bench.local",
      role: "ADMIN",
      password: "bench password",
    });
    const readers = [];
    for (let i = 0; i < 2; i++) {
      readers.push(
        await createUser(db, {
          email: `r${i}@bench.local`,
          role: "READER",
          password: "bench password",
        }),
      );
    }
    const noQueue = async () => undefined;
    const images = await Promise.all(Array.from({ length: N + 2 }, (_, i) => png(i)));
    const report = "Findings: Lungs are clear. Impression: No acute abnormality.";

    // Baseline: the study endpoint's one-case import.
    const study = await createStudy(db, { name: "bench study", readerIds: [readers[0]!.id] });
    const studyCase = async (i: number) => {
      const dir = await writeSingleCaseDataset(
        {
          case_id: `S-${i}`,
          report,
          images: ["image.png"],
          ai_reports: [{ model: "bench-model", version: "1", text: report }],
        },
        [{ name: "image.png", bytes: images[i]! }],
      );
      try {
        const importId = await createImportJob(db, {
          studyId: study.id,
          userId: admin.id,
          origin: "api",
          sourceName: `S-${i}`,
          options: { skipInvalid: false, keepOriginals: false },
        });
        const outcome = await executeImport(db, importId, () => openFolder(dir), noQueue);
        if (outcome.status !== "SUCCEEDED") throw new Error(outcome.error ?? "import failed");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    };

    const audit = await createAudit(db, {
      name: "bench audit",
      modelName: "bench-model",
      reviewerIds: readers.map((r) => r.id),
      policy: { sampleRate: 0.5, reviewsPerCase: 2 },
    });
    const auditCase = async (i: number) => {
      const result = await intakeAuditCase(db, {
        programId: audit.id,
        userId: admin.id,
        fields: {
          accession: `ACC-${i}`,
          report,
          ai_report: { model: "bench-model", version: "1", text: report },
          flagged: i % 10 === 0,
        },
        files: [{ name: "image.png", bytes: images[i]! }],
        enqueue: noQueue,
      });
      if (result.status !== "received") throw new Error(JSON.stringify(result));
    };

    const timed = async (fn: (i: number) => Promise<void>) => {
      const latencies: number[] = [];
      const started = performance.now();
      for (let i = 0; i < N; i++) {
        const t = performance.now();
        await fn(i);
        latencies.push(performance.now() - t);
      }
      return { rate: N / ((performance.now() - started) / 1000), latencies };
    };
    // Warm both paths (codecs, connection pool) before measuring.
    await studyCase(N);
    await auditCase(N + 1);
    const base = await timed(studyCase);
    const intake = await timed(auditCase);
    const sampled = await db.auditCase.count({ where: { programId: audit.id, sampled: true } });

    // A year of reviews, written by SQL.
    const model = await db.aiModel.findFirstOrThrow({ where: { name: "bench-model" } });
    const big = await createAudit(db, {
      name: "bench audit, a year",
      modelName: "bench-model",
      reviewerIds: readers.map((r) => r.id),
      policy: { alert: { rule: "pchart", minRatings: 20 } },
    });
    const bigStudy = (
      await db.auditProgram.findUniqueOrThrow({ where: { id: big.id }, select: { studyId: true } })
    ).studyId;
    const client = new pg.Client({ connectionString: database.url });
    // Dropping the scratch database at the end ends this connection if a failure left it open.
    client.on("error", () => undefined);
    await client.connect();
    const seeded = performance.now();
    await client.query(
      `INSERT INTO cases (id, study_id, external_id, image_path, image_sha256)
       SELECT 'bc' || g, $1, 'B-' || g, 'bench.png', repeat('0', 64) FROM generate_series(1, $2) g`,
      [bigStudy, BIG_CASES],
    );
    await client.query(
      `INSERT INTO reports (id, case_id, source, model_id, text)
       SELECT 'gt' || g, 'bc' || g, 'GROUND_TRUTH'::"ReportSource", NULL, 'Findings: clear.' FROM generate_series(1, $1) g
       UNION ALL
       SELECT 'ai' || g, 'bc' || g, 'AI'::"ReportSource", $2, 'Findings: clear.' FROM generate_series(1, $1) g`,
      [BIG_CASES, model.id],
    );
    await client.query(
      `INSERT INTO audit_cases (id, program_id, case_id, accession, received_at, sampled, reason, draw, rate, queued_at)
       SELECT 'ac' || g, $1, 'bc' || g, 'A-' || g,
              timestamp '2025-01-06' + ((g * 7919) % 364) * interval '1 day', true, 'random', 0.01, 0.1, now()
       FROM generate_series(1, $2) g`,
      [big.id, BIG_CASES],
    );
    await client.query(
      `INSERT INTO reading_items (id, study_id, study_reader_id, report_id, position, token)
       SELECT 'ri' || sr.id || rep.id, $1, sr.id, rep.id,
              row_number() OVER (PARTITION BY sr.id ORDER BY rep.id), md5(sr.id || rep.id)
       FROM study_readers sr CROSS JOIN reports rep
       WHERE sr.study_id = $1 AND rep.case_id LIKE 'bc%'`,
      [bigStudy],
    );
    await client.query(
      `INSERT INTO ratings (id, item_id, level, active_ms, updated_at)
       SELECT 'rt' || i.id, i.id,
              (CASE WHEN hashtext(i.id) % 10 < 8 THEN 'A' ELSE 'D' END)::"RatingLevel", 5000, now()
       FROM reading_items i WHERE i.study_id = $1`,
      [bigStudy],
    );
    const seedSeconds = (performance.now() - seeded) / 1000;
    const ratings = Number(
      (
        await client.query<{ n: string }>(
          "SELECT count(*) AS n FROM ratings r JOIN reading_items i ON i.id = r.item_id WHERE i.study_id = $1",
          [bigStudy],
        )
      ).rows[0]!.n,
    );

    const repeat = async (fn: () => Promise<unknown>, times = 5) => {
      const ms: number[] = [];
      for (let i = 0; i < times; i++) {
        const t = performance.now();
        await fn();
        ms.push(performance.now() - t);
      }
      return quantile(ms, 0.5);
    };
    const bareFetch = await repeat(() =>
      client.query(
        `SELECT ac.case_id, ac.received_at, rep.model_id, r.level, r.active_ms
         FROM audit_cases ac JOIN reports rep ON rep.case_id = ac.case_id
         JOIN reading_items i ON i.report_id = rep.id JOIN ratings r ON r.item_id = i.id
         WHERE ac.program_id = $1`,
        [big.id],
      ),
    );
    const evaluate = await repeat(() => evaluateAlerts(db, big.id));
    const dashboard = await repeat(() => getAuditDashboard(db, big.id), 3);
    await client.end();

    const rows: [string, string][] = [
      ["intake cases", `${N} (512x512 PNG), ${sampled} sampled and queued`],
      ["audit intake, cases/s", intake.rate.toFixed(2)],
      ["study one-case import, cases/s", base.rate.toFixed(2)],
      ["ratio intake / import", (intake.rate / base.rate).toFixed(2)],
      [
        "intake p50 / p95 per case",
        `${quantile(intake.latencies, 0.5).toFixed(0)} / ${quantile(intake.latencies, 0.95).toFixed(0)} ms`,
      ],
      [
        "import p50 / p95 per case",
        `${quantile(base.latencies, 0.5).toFixed(0)} / ${quantile(base.latencies, 0.95).toFixed(0)} ms`,
      ],
      [
        "year audit",
        `${BIG_CASES} cases, ${ratings} ratings (seeded in ${seedSeconds.toFixed(1)} s)`,
      ],
      ["bare fetch of its rating rows (p50)", `${bareFetch.toFixed(0)} ms`],
      ["evaluateAlerts (p50; once per 10 s round with new reviews)", `${evaluate.toFixed(0)} ms`],
      ["dashboard (p50)", `${dashboard.toFixed(0)} ms`],
      ["ratio evaluate / bare fetch", (evaluate / bareFetch).toFixed(2)],
    ];
    printTable("bench:audits", rows);
    writeSummary([
      {
        benchmark: "audits: intake",
        headline: `${intake.rate.toFixed(2)} cases/s (${N} PNG 512x512)`,
        baseline: `study one-case import ${base.rate.toFixed(2)} cases/s`,
        ratio: intake.rate / base.rate,
        target: "",
        met: null,
      },
      {
        benchmark: "audits: alert evaluation",
        headline: `${evaluate.toFixed(0)} ms for ${ratings} ratings`,
        baseline: `bare fetch of the rows ${bareFetch.toFixed(0)} ms`,
        ratio: evaluate / bareFetch,
        target: "",
        met: null,
      },
    ]);
    await db.$disconnect();
  } catch (error) {
    // Printed before the scratch database goes (dropping it ends any connection left open).
    console.error(error);
    process.exitCode = 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await database.dispose();
  }
}

await main();

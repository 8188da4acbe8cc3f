/**
 * `npm run bench:results`: results and exports on a large study (20 readers x 5,000 cases
 * x 2 sources = 200,000 ratings) in a fresh database on DATABASE_URL's server (else an
 * embedded one). Prints seconds, MB/s and the ratio to PostgreSQL's own COPY measured in
 * the same run, and the export's peak memory. A script, not a test: it asserts nothing.
 */
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { parseDatabaseUrl } from "../../server/db/connection";
import { createScratchDatabase } from "../../server/db/scratch";
import { seedLargeStudy } from "./seed-large-study";
import { writeSummary, type BenchSummary } from "./support";

const READERS = Number(process.env.BENCH_READERS ?? 20);
const CASES = Number(process.env.BENCH_CASES ?? 5_000);

function counter() {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done();
    },
  });
  return { sink, bytes: () => bytes };
}

/** Peak resident memory of this process while an export runs, sampled every 10 ms. */
function watchMemory() {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  return () => {
    clearInterval(timer);
    return { peakMb: peak / 2 ** 20, aboveStartMb: (peak - base) / 2 ** 20 };
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - t0) / 1000, value };
}

async function main() {
  const database = await createScratchDatabase("blindread_bench");
  const url = database.url;
  process.env.DATABASE_URL = url;
  const client = new pg.Client(parseDatabaseUrl(url));
  const rows: [string, string][] = [];
  const summary: BenchSummary[] = [];
  try {
    await client.connect();
    const seeded = await timed(() => seedLargeStudy(client, { readers: READERS, cases: CASES }));
    const study = seeded.value;
    rows.push([
      "seed",
      `${study.ratings.toLocaleString("en")} ratings in ${seeded.seconds.toFixed(1)} s`,
    ]);

    // Imported after DATABASE_URL points at the bench database.
    const { getDb } = await import("../../server/db/client");
    const { DEFAULT_BOOTSTRAP_REPLICATES, getStudyResults } =
      await import("../../server/results/data");
    const { loadStudyRatings } = await import("../../server/results/ratings");
    const { exportStudy } = await import("../../server/exports/mutations");
    const { ratingsQuery } = await import("../../server/exports/sql");
    const db = getDb();

    await getStudyResults(db, study.studyId); // warm-up: connection, query plans
    const load = await timed(() => loadStudyRatings(db, study.studyId));
    const results = await timed(() => getStudyResults(db, study.studyId));
    summary.push({
      benchmark: "results: every statistic",
      headline: `${results.seconds.toFixed(2)} s for ${study.ratings.toLocaleString("en")} ratings`,
      baseline: `loading the ratings ${load.seconds.toFixed(2)} s`,
      ratio: results.seconds / load.seconds,
      target: "< 2 s",
      met: results.seconds < 2,
    });
    rows.push([
      "results, every statistic",
      `${results.seconds.toFixed(2)} s with ${DEFAULT_BOOTSTRAP_REPLICATES} bootstrap replicates ` +
        `(loading the ratings ${load.seconds.toFixed(2)} s, computing ${(results.seconds - load.seconds).toFixed(2)} s; target < 2 s)`,
    ]);

    // Baseline: PostgreSQL's COPY of the same rows, straight to a byte counter.
    const baselineSink = counter();
    const baseline = await timed(() =>
      pipeline(
        client.query(
          copyTo(`COPY (${ratingsQuery(study.studyId)}) TO STDOUT WITH (FORMAT csv, HEADER true)`),
        ),
        baselineSink.sink,
      ),
    );
    const baselineMbs = baselineSink.bytes() / 2 ** 20 / baseline.seconds;
    const baselineRowsPerSecond = study.ratings / baseline.seconds;

    const actor = { actor: "bench", channel: "cli" as const };
    for (const format of ["csv", "jsonl", "bundle"] as const) {
      const sink = counter();
      const stopWatching = watchMemory();
      const run = await timed(async () => {
        const result = await exportStudy(db, { studyId: study.studyId, format }, actor);
        await pipeline(result.stream, sink.sink);
      });
      const memory = stopWatching();
      const mbs = sink.bytes() / 2 ** 20 / run.seconds;
      const rowsPerSecond = study.ratings / run.seconds;
      summary.push({
        benchmark: `results: export ${format}`,
        headline: `${Math.round(rowsPerSecond).toLocaleString("en")} ratings/s`,
        baseline: `COPY ${Math.round(baselineRowsPerSecond).toLocaleString("en")} ratings/s`,
        ratio: rowsPerSecond / baselineRowsPerSecond,
        target: "",
        met: null,
      });
      rows.push([
        `export ${format}`,
        `${(sink.bytes() / 2 ** 20).toFixed(1)} MB in ${run.seconds.toFixed(2)} s: ` +
          `${Math.round(rowsPerSecond).toLocaleString("en")} ratings/s, ${mbs.toFixed(1)} MB/s` +
          `, ratio to COPY (ratings/s) ${(rowsPerSecond / baselineRowsPerSecond).toFixed(2)}` +
          `; peak RSS ${memory.peakMb.toFixed(0)} MB (+${memory.aboveStartMb.toFixed(0)} MB)`,
      ]);
    }
    rows.push([
      "baseline COPY",
      `${(baselineSink.bytes() / 2 ** 20).toFixed(1)} MB in ${baseline.seconds.toFixed(2)} s: ` +
        `${Math.round(baselineRowsPerSecond).toLocaleString("en")} ratings/s, ${baselineMbs.toFixed(1)} MB/s`,
    ]);
    await db.$disconnect();
  } finally {
    await client.end().catch(() => undefined);
    await database.dispose();
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nresults benchmark: ${READERS} readers x ${CASES} cases x 2 sources`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  writeSummary(summary);
}

await main();

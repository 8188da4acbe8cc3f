/** What the benchmarks share: the app under test, quantiles, the printed table. */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

/**
 * The production web app (and worker), started by `npm start`'s own script on the given
 * database and image store, on a random loopback port. `stop` ends it.
 */
export async function startAppServer(opts: {
  databaseUrl: string;
  storage: string;
  tmp: string;
}): Promise<{ origin: string; stop: () => Promise<void> }> {
  const port = 3300 + Math.floor(Math.random() * 1000);
  const server = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: opts.databaseUrl,
      BLINDREAD_STORAGE_DIR: opts.storage,
      BLINDREAD_DATA_DIR: path.join(opts.tmp, "data"),
      BLINDREAD_SEED_DEMO: "false",
      PORT: String(port),
      HOST: "127.0.0.1",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  };
  // The first start may build the app: allow it ten minutes.
  for (let i = 0; i < 600; i++) {
    if (
      await fetch(`${origin}/api/health`)
        .then((r) => r.ok)
        .catch(() => false)
    ) {
      return { origin, stop };
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  await stop();
  throw new Error("the web app did not become healthy within ten minutes");
}

export const quantile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
};

/** A benchmark's figures, one aligned row each. */
export function printTable(title: string, rows: [string, string][]): void {
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n${title}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

/** One line of `npm run bench`'s closing table. */
export interface BenchSummary {
  benchmark: string;
  /** The figure the benchmark is about, with its unit. */
  headline: string;
  /** What it is compared with, measured in the same run. */
  baseline: string;
  /** headline / baseline (or as the benchmark defines it); null when there is none. */
  ratio: number | null;
  /** The stated target, or "" when the benchmark states none. */
  target: string;
  /** Whether the target was met; null when there is no target. */
  met: boolean | null;
}

/**
 * Leaves the benchmark's summary lines for tests/bench/all.ts, which names the file in
 * BENCH_SUMMARY_FILE; run alone, a benchmark only prints its own table.
 */
export function writeSummary(lines: BenchSummary[]): void {
  const file = process.env.BENCH_SUMMARY_FILE;
  if (file) writeFileSync(file, JSON.stringify(lines));
}

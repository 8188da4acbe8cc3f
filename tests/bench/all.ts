/**
 * `npm run bench`: every tests/bench/*.bench.ts in turn, each in its own process (as
 * `npm run bench:<name>` runs it), then one table of their headline figures next to the
 * baselines measured in the same runs, the ratios and the targets. A benchmark that fails
 * gets a line saying so; the others still run, and the exit code is 1.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BenchSummary } from "./support";

const here = path.dirname(new URL(import.meta.url).pathname);
/** Each benchmark once; the worker also with a model of realistic cost, where the model sets the pace. */
const benches = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort()
  .flatMap((file) => {
    const name = file.replace(/\.bench\.ts$/, "");
    return file === "worker.bench.ts"
      ? [
          { name, file, args: [] },
          { name: `${name} conv-classifier`, file, args: ["--kind", "conv-classifier"] },
        ]
      : [{ name, file, args: [] as string[] }];
  });
const dir = mkdtempSync(path.join(os.tmpdir(), "blindread-bench-summary-"));

const summaryFile = (name: string) => path.join(dir, `${name.replace(/\W+/g, "-")}.json`);

function runBench(run: (typeof benches)[number]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(here, run.file), ...run.args],
      {
        stdio: "inherit",
        env: { ...process.env, BENCH_SUMMARY_FILE: summaryFile(run.name) },
      },
    );
    child.on("exit", (code, signal) => resolve(signal ? 1 : (code ?? 1)));
  });
}

const outcomes: { name: string; code: number; seconds: number }[] = [];
for (const run of benches) {
  const { name } = run;
  console.log(`\n=== ${name} ===`);
  const started = performance.now();
  const code = await runBench(run);
  outcomes.push({ name, code, seconds: (performance.now() - started) / 1000 });
}

const lines: BenchSummary[] = [];
for (const o of outcomes) {
  const file = summaryFile(o.name);
  if (o.code === 0 && existsSync(file)) {
    lines.push(...(JSON.parse(readFileSync(file, "utf8")) as BenchSummary[]));
    continue;
  }
  lines.push({
    benchmark: o.name,
    headline: o.code === 0 ? "(finished, wrote no summary)" : `FAILED (exit ${o.code})`,
    baseline: "",
    ratio: null,
    target: "",
    met: null,
  });
}
rmSync(dir, { recursive: true, force: true });

const header = ["benchmark", "headline", "baseline (same run)", "ratio", "target", "met"];
const table = [
  header,
  ...lines.map((l) => [
    l.benchmark,
    l.headline,
    l.baseline,
    l.ratio === null || !Number.isFinite(l.ratio) ? "-" : l.ratio.toFixed(3),
    l.target || "-",
    l.met === null ? "-" : l.met ? "yes" : "NO",
  ]),
];
const widths = header.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
const format = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c]!)).join("  ");
console.log("\nnpm run bench: summary");
console.log(format(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of table.slice(1)) console.log(format(row));
console.log(
  `\n${outcomes.length} benchmarks in ${outcomes.reduce((s, o) => s + o.seconds, 0).toFixed(0)} s: ` +
    outcomes.map((o) => `${o.name} ${o.seconds.toFixed(0)} s`).join(", "),
);
process.exit(outcomes.some((o) => o.code !== 0) ? 1 : 0);

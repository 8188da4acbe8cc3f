/**
 * `npm run bench:import [N]`: imports N synthetic DICOM cases (2048 x 2048, 16-bit allocated,
 * 12 bits stored, identifiers planted) through the real import (manifest checks, hashing,
 * decode, de-identification, window, 16-bit PNG + 8-bit PNG + thumbnail, storage, one
 * transaction), and in the same run a bare sharp decode-and-resize of the same pixels at the
 * same concurrency. Prints cases/s for both, their ratio (target >= 0.5), and peak memory of
 * the import at N/2 and N cases (flat memory means the two peaks match).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import dicomParser from "dicom-parser";
import sharp from "sharp";
import { createScratchDatabase } from "../../server/db/scratch";
import { buildDicom, syntheticPixels } from "../fixtures/dicom";
import { manifestCsv, type CaseFile } from "../fixtures/datasets";
import { printTable, writeSummary } from "./support";

const N = Number(process.argv[2] ?? process.env.BENCH_CASES ?? 40);
const SIZE = 2048;
const concurrency = Number(process.env.BLINDREAD_IMPORT_CONCURRENCY ?? os.availableParallelism());

/** Writes `count` DICOM files and their manifest into a new folder, keeping none in memory. */
async function makeDataset(
  count: number,
  offset: number,
): Promise<{ dir: string; files: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "blindread-bench-dataset-"));
  await mkdir(path.join(dir, "images"));
  const pixels = syntheticPixels(SIZE, SIZE, 12);
  const cases: CaseFile[] = [];
  for (let i = 0; i < count; i++) {
    // A different value in a corner per case, so that no two files hash alike.
    pixels[0] = offset + i;
    const bytes = await buildDicom({
      rows: SIZE,
      columns: SIZE,
      pixels,
      bitsStored: 12,
      window: { center: 2048, width: 4096 },
      sopInstance: `1.2.826.0.1.3680043.2.1125.5.${offset + i}`,
    });
    const file = `images/B-${offset + i}.dcm`;
    await writeFile(path.join(dir, file), bytes);
    cases.push({ caseId: `B-${offset + i}`, file, bytes: Buffer.alloc(0) });
  }
  await writeFile(path.join(dir, "manifest.csv"), manifestCsv(cases));
  return { dir, files: cases.map((c) => path.join(dir, c.file)) };
}

/** Peak RSS while fn runs, sampled every 20 ms. */
async function withPeakRss<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; peakMb: number; startMb: number }> {
  const startMb = process.memoryUsage().rss / 1048576;
  let peak = startMb;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss / 1048576);
  }, 20);
  try {
    const result = await fn();
    return { result, peakMb: Math.max(peak, process.memoryUsage().rss / 1048576), startMb };
  } finally {
    clearInterval(timer);
  }
}

async function bare(files: string[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < files.length) {
        const bytes = await readFile(files[next++]!);
        const ds = dicomParser.parseDicom(new Uint8Array(bytes));
        const el = ds.elements.x7fe00010!;
        const raw = new Uint16Array(
          bytes.buffer.slice(
            bytes.byteOffset + el.dataOffset,
            bytes.byteOffset + el.dataOffset + el.length,
          ),
        );
        await sharp(raw, { raw: { width: SIZE, height: SIZE, channels: 1 } })
          .resize({ width: 256 })
          .png()
          .toBuffer();
      }
    }),
  );
  return files.length / ((performance.now() - started) / 1000);
}

async function main() {
  const database = await createScratchDatabase("blindread_bench_import");
  process.env.DATABASE_URL = database.url;
  const tmp = mkdtempSync(path.join(os.tmpdir(), "blindread-bench-import-"));
  process.env.BLINDREAD_STORAGE_DIR = path.join(tmp, "storage");
  try {
    const { getDb } = await import("../../server/db/client");
    const { createUser } = await import("../../server/auth/mutations");
    const { createStudy } = await import("../../server/studies/mutations");
    const { runImport } = await import("../../server/ingest/importer");
    const { openFolder } = await import("../../server/ingest/source");
    const db = getDb();
    const reader = await createUser(db, {
      email: "bench@bench.local",
      role: "READER",
      password: "bench password",
    });

    const half = Math.max(1, Math.floor(N / 2));
    console.log(`building ${half + N} synthetic ${SIZE}x${SIZE} DICOM files...`);
    const { dir: smallDir } = await makeDataset(half, 0);
    const { dir: fullDir, files: fullFiles } = await makeDataset(N, 100_000);

    const importRun = async (dir: string) => {
      const study = await createStudy(db, { name: `bench ${dir}`, readerIds: [reader.id] });
      const dataset = await openFolder(dir);
      const started = performance.now();
      const measured = await withPeakRss(() =>
        runImport({
          db,
          studyId: study.id,
          dataset,
          options: { skipInvalid: false, keepOriginals: false },
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      if (measured.result.status !== "SUCCEEDED")
        throw new Error(JSON.stringify(measured.result.problems.slice(0, 3)));
      return {
        rate: measured.result.imported / seconds,
        peakMb: measured.peakMb,
        startMb: measured.startMb,
      };
    };

    const warm = await importRun(smallDir); // also warms the codecs and the connection pool
    const bareRate = await bare(fullFiles);
    const run = await importRun(fullDir);
    const rows: [string, string][] = [
      ["cases", `${N} (and ${half} for the memory comparison)`],
      ["concurrency", String(concurrency)],
      ["import, cases/s", run.rate.toFixed(2)],
      ["bare sharp decode + resize, cases/s", bareRate.toFixed(2)],
      ["ratio import / bare (target >= 0.5)", (run.rate / bareRate).toFixed(2)],
      [
        `peak RSS importing ${half} cases`,
        `${warm.peakMb.toFixed(0)} MB (+${(warm.peakMb - warm.startMb).toFixed(0)} MB over its start)`,
      ],
      [
        `peak RSS importing ${N} cases`,
        `${run.peakMb.toFixed(0)} MB (+${(run.peakMb - run.startMb).toFixed(0)} MB over its start)`,
      ],
    ];
    printTable("bench:import", rows);
    writeSummary([
      {
        benchmark: "import",
        headline: `${run.rate.toFixed(2)} cases/s (${N} DICOM ${SIZE}x${SIZE})`,
        baseline: `bare sharp decode + resize ${bareRate.toFixed(2)} cases/s`,
        ratio: run.rate / bareRate,
        target: "ratio >= 0.5",
        met: run.rate / bareRate >= 0.5,
      },
    ]);
    await db.$disconnect();
    for (const dir of [smallDir, fullDir]) rmSync(dir, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await database.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import { createWriteStream } from "node:fs";
import { mkdtemp, mkdir, readdir, realpath, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import { getEnv } from "../env";
import { IngestError } from "./errors";
import { MANIFEST_NAMES, safeRelativePath } from "./manifest";

export interface IngestLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxEntries: number;
  /** Uncompressed to compressed size above which a large zip entry is taken for a bomb. */
  maxCompressionRatio: number;
}

export function ingestLimits(): IngestLimits {
  const env = getEnv();
  return {
    maxFileBytes: env.BLINDREAD_IMPORT_MAX_FILE_MB * 1024 * 1024,
    maxTotalBytes: env.BLINDREAD_IMPORT_MAX_TOTAL_MB * 1024 * 1024,
    maxEntries: 200_000,
    maxCompressionRatio: 100,
  };
}

/** A dataset on disk: a folder with a manifest and the files it names. */
export interface Dataset {
  root: string;
  manifest: string;
  format: "csv" | "jsonl";
  /** Removes what opening the dataset created (an extracted zip); leaves folders alone. */
  cleanup(): Promise<void>;
}

async function findManifest(
  root: string,
): Promise<{ root: string; manifest: string; format: "csv" | "jsonl" }> {
  const look = async (dir: string) => {
    const names = await readdir(dir);
    const found = MANIFEST_NAMES.filter((n) => names.includes(n));
    if (found.length > 1) {
      throw new IngestError(
        `${path.basename(dir)} holds both manifest.csv and manifest.jsonl; keep one`,
      );
    }
    return found[0]
      ? {
          root: dir,
          manifest: path.join(dir, found[0]),
          format: found[0].endsWith(".csv") ? ("csv" as const) : ("jsonl" as const),
        }
      : null;
  };
  const top = await look(root);
  if (top) return top;
  // A zip made of a folder holds that folder: look one level down when it is the only entry.
  const entries = (await readdir(root, { withFileTypes: true })).filter(
    (e) => !e.name.startsWith(".") && e.name !== "__MACOSX",
  );
  if (entries.length === 1 && entries[0]!.isDirectory()) {
    const inner = await look(path.join(root, entries[0]!.name));
    if (inner) return inner;
  }
  throw new IngestError("no manifest.csv or manifest.jsonl at the top of the dataset");
}

export async function openFolder(folder: string): Promise<Dataset> {
  let root: string;
  try {
    root = await realpath(folder);
    if (!(await stat(root)).isDirectory()) throw new Error();
  } catch {
    throw new IngestError(`${folder} is not a folder that can be read`);
  }
  return { ...(await findManifest(root)), cleanup: async () => undefined };
}

/**
 * Resolves a manifest's relative path to a file inside the dataset, refusing anything that
 * leaves it (through "..", or a symbolic link pointing elsewhere).
 */
export async function resolveInDataset(root: string, relative: string): Promise<string> {
  const safe = safeRelativePath(relative);
  if (!safe) throw new IngestError(`"${relative}" is not a relative path inside the dataset`);
  let real: string;
  try {
    real = await realpath(path.join(root, safe));
  } catch {
    throw new IngestError(`file ${safe} not found`);
  }
  if (!real.startsWith(root + path.sep))
    throw new IngestError(`file ${safe} points outside the dataset`);
  return real;
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(
      file,
      { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false },
      (error, zip) =>
        error || !zip
          ? reject(new IngestError(`not a readable zip file (${error?.message ?? "unknown"})`))
          : resolve(zip),
    ),
  );
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) =>
      error || !stream ? reject(error) : resolve(stream),
    ),
  );
}

/** Caps the bytes actually inflated, whatever the zip's headers claim. */
function byteLimit(limit: number, name: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit)
        callback(
          new IngestError(`${name} inflates past the size limit; refused as a possible zip bomb`),
        );
      else callback(null, chunk);
    },
  });
}

/**
 * Extracts a zip into a fresh temporary folder with every limit enforced before and during
 * extraction: entry count, each file's and the total uncompressed size, compression ratio,
 * and names (absolute paths, "..", links and devices are refused).
 */
export async function extractZip(
  file: string,
  limits: IngestLimits = ingestLimits(),
): Promise<Dataset> {
  const zip = await openZip(file);
  // Resolved, because dataset paths are checked against the real path of the folder.
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), "blindread-import-")));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    let count = 0;
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      zip.on("error", (error: Error) => {
        if (error instanceof IngestError) reject(error);
        else if (/invalid relative path|absolute path/i.test(error.message)) {
          // yauzl refuses these names itself; the message says what the admin must fix.
          reject(
            new IngestError(
              `a zip entry has an absolute path or ".." (${error.message.replace(/^.*?: /, "")}); refused`,
            ),
          );
        } else reject(new IngestError(`the zip file is damaged (${error.message})`));
      });
      zip.on("end", () => resolve());
      zip.on("entry", (entry: yauzl.Entry) => {
        void (async () => {
          const name = entry.fileName;
          if (name.startsWith("__MACOSX/") || name.endsWith("/.DS_Store") || name === ".DS_Store") {
            zip.readEntry();
            return;
          }
          const safe = safeRelativePath(name.replace(/\/$/, ""));
          if (!safe || name.startsWith("/") || name.includes("\\")) {
            throw new IngestError(`zip entry "${name}" has an absolute path or ".."; refused`);
          }
          const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
          if (mode !== 0 && mode !== 0o100000 && mode !== 0o040000) {
            throw new IngestError(`zip entry "${name}" is a link or special file; refused`);
          }
          if (++count > limits.maxEntries)
            throw new IngestError(`the zip holds more than ${limits.maxEntries} entries`);
          const target = path.join(dir, safe);
          if (name.endsWith("/")) {
            await mkdir(target, { recursive: true });
            zip.readEntry();
            return;
          }
          if (entry.uncompressedSize > limits.maxFileBytes) {
            throw new IngestError(
              `${safe} is larger than the ${Math.round(limits.maxFileBytes / 1048576)} MB file limit`,
            );
          }
          total += entry.uncompressedSize;
          if (total > limits.maxTotalBytes) {
            throw new IngestError(
              `the zip unpacks to more than the ${Math.round(limits.maxTotalBytes / 1048576)} MB total limit`,
            );
          }
          const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
          if (entry.uncompressedSize > 1024 * 1024 && ratio > limits.maxCompressionRatio) {
            throw new IngestError(
              `${safe} compresses ${Math.round(ratio)}:1; refused as a possible zip bomb`,
            );
          }
          await mkdir(path.dirname(target), { recursive: true });
          const stream = await entryStream(zip, entry);
          await pipeline(
            stream,
            byteLimit(Math.min(limits.maxFileBytes, entry.uncompressedSize), safe),
            createWriteStream(target, { flags: "wx" }),
          );
          zip.readEntry();
        })().catch((error: unknown) => {
          zip.close();
          reject(
            error instanceof IngestError
              ? error
              : new IngestError(`the zip could not be extracted (${(error as Error).message})`),
          );
        });
      });
      zip.readEntry();
    });
    return { ...(await findManifest(dir)), cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** A folder or a .zip, by what the path is. */
export async function openDataset(location: string): Promise<Dataset> {
  let info;
  try {
    info = await stat(location);
  } catch {
    throw new IngestError(`${location} not found`);
  }
  return info.isDirectory() ? openFolder(location) : extractZip(location);
}

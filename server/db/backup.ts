/**
 * Backup and restore of one Blindread installation: the database with pg_dump / pg_restore
 * (custom format), then the image store's files. The database comes first, the images second:
 * a case's images are written before the case's row commits and never rewritten, so every
 * image the dump refers to is already in the store when the copy starts.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { parseDatabaseUrl } from "./connection";

const run = promisify(execFile);

export const DUMP_FILE = "database.dump";
export const IMAGES_DIR = "images";
export const MANIFEST_FILE = "backup.json";

export interface BackupManifest {
  format: 1;
  createdAt: string;
  database: {
    file: string;
    serverVersion: string;
    pgDump: string;
    /** The last migration applied, so a restore knows which release wrote it. */
    lastMigration: string | null;
  };
  /** The image store's files copied beside the dump; null when the images stay in S3. */
  images: { dir: string; files: number; bytes: number } | null;
}

function pgEnv(url: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const c = parseDatabaseUrl(url);
  return {
    args: [
      "--host",
      c.host,
      "--port",
      String(c.port),
      "--username",
      c.user,
      "--dbname",
      c.database,
    ],
    // The password goes in the environment, not the command line that `ps` shows.
    env: { ...process.env, PGPASSWORD: c.password ?? "", PGCONNECT_TIMEOUT: "10" },
  };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(parseDatabaseUrl(url));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The major version of a PostgreSQL client tool on PATH (pg_dump, pg_restore). */
export async function toolMajorVersion(tool: "pg_dump" | "pg_restore"): Promise<number> {
  let stdout: string;
  try {
    ({ stdout } = await run(tool, ["--version"]));
  } catch {
    throw new Error(
      `${tool} was not found: install the PostgreSQL client tools (e.g. apt-get install postgresql-client) of the server's version or newer`,
    );
  }
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(stdout);
  if (!match) throw new Error(`could not read the version of ${tool}: ${stdout.trim()}`);
  return Number(match[1]);
}

export async function serverVersion(url: string): Promise<{ major: number; text: string }> {
  return withClient(url, async (c) => {
    const r = await c.query<{ num: string; text: string }>(
      "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS text",
    );
    return { major: Math.floor(Number(r.rows[0]!.num) / 10_000), text: r.rows[0]!.text };
  });
}

/**
 * pg_dump refuses servers newer than itself. Said before starting, with what to do: the
 * embedded PostgreSQL of `npm start` is version 18, newer than many systems' client tools.
 */
export async function assertCanDump(url: string): Promise<void> {
  const [tool, server] = await Promise.all([toolMajorVersion("pg_dump"), serverVersion(url)]);
  if (tool < server.major) {
    throw new Error(
      `pg_dump ${tool} cannot dump this PostgreSQL ${server.text} server: put pg_dump ${server.major} or newer on PATH ` +
        `(e.g. the postgresql-client-${server.major} package), or, for the embedded database of npm start, ` +
        `stop npm start and copy its data folder instead (docs/operations.md)`,
    );
  }
}

async function lastMigration(url: string): Promise<string | null> {
  return withClient(url, async (c) => {
    const exists = await c.query("SELECT to_regclass('public._prisma_migrations') AS t");
    if (!exists.rows[0]?.t) return null;
    const r = await c.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name DESC LIMIT 1",
    );
    return r.rows[0]?.migration_name ?? null;
  });
}

async function countFiles(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}

/**
 * Writes `dir/database.dump` (one consistent snapshot, even while the app runs), then copies
 * the local image store to `dir/images` (skipped when `imagesDir` is null: images in S3 are
 * backed up with the bucket's own tools), then `dir/backup.json`.
 */
export async function backupTo(opts: {
  databaseUrl: string;
  dir: string;
  imagesDir: string | null;
}): Promise<BackupManifest> {
  await assertCanDump(opts.databaseUrl);
  await mkdir(opts.dir, { recursive: true });
  const existing = await readdir(opts.dir);
  if (existing.length > 0) throw new Error(`${opts.dir} is not empty: back up into a new folder`);
  const { args, env } = pgEnv(opts.databaseUrl);
  const [{ stdout: pgDump }, server, migration] = await Promise.all([
    run("pg_dump", ["--version"]),
    serverVersion(opts.databaseUrl),
    lastMigration(opts.databaseUrl),
  ]);
  // Custom format: compressed, and pg_restore can restore it in one transaction.
  await run(
    "pg_dump",
    [
      ...args,
      "--format=custom",
      "--no-owner",
      "--no-acl",
      "--file",
      path.join(opts.dir, DUMP_FILE),
    ],
    { env, maxBuffer: 16 * 1024 * 1024 },
  );
  let images: BackupManifest["images"] = null;
  if (opts.imagesDir) {
    const target = path.join(opts.dir, IMAGES_DIR);
    await mkdir(target);
    // A store that was never written to has no folder yet: an empty copy is right.
    const present = await stat(opts.imagesDir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (present) await cp(opts.imagesDir, target, { recursive: true });
    images = { dir: IMAGES_DIR, ...(await countFiles(target)) };
  }
  const manifest: BackupManifest = {
    format: 1,
    createdAt: new Date().toISOString(),
    database: {
      file: DUMP_FILE,
      serverVersion: server.text,
      pgDump: pgDump.trim(),
      lastMigration: migration,
    },
    images,
  };
  await writeFile(path.join(opts.dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

export async function readManifest(dir: string): Promise<BackupManifest> {
  const text = await readFile(path.join(dir, MANIFEST_FILE), "utf8").catch(() => {
    throw new Error(`${dir} holds no ${MANIFEST_FILE}: not a Blindread backup folder`);
  });
  const manifest = JSON.parse(text) as BackupManifest;
  if (manifest.format !== 1) throw new Error(`unknown backup format ${String(manifest.format)}`);
  return manifest;
}

/**
 * Restores a backup folder into an empty database (refused otherwise, so nothing is
 * overwritten by mistake) in one transaction, then copies its images into `imagesDir`,
 * keeping files already there (keys are never reused for other content).
 */
export async function restoreFrom(opts: {
  databaseUrl: string;
  dir: string;
  imagesDir: string | null;
}): Promise<BackupManifest> {
  const manifest = await readManifest(opts.dir);
  const tables = await withClient(opts.databaseUrl, async (c) => {
    const r = await c.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    );
    return Number(r.rows[0]!.n);
  });
  if (tables > 0) {
    throw new Error(
      "the target database is not empty: create a new database (createdb) and point DATABASE_URL at it",
    );
  }
  const { args, env } = pgEnv(opts.databaseUrl);
  await run(
    "pg_restore",
    [
      ...args,
      "--no-owner",
      "--no-acl",
      "--single-transaction",
      "--exit-on-error",
      path.join(opts.dir, manifest.database.file),
    ],
    { env, maxBuffer: 16 * 1024 * 1024 },
  );
  if (manifest.images && opts.imagesDir) {
    await mkdir(opts.imagesDir, { recursive: true });
    await cp(path.join(opts.dir, manifest.images.dir), opts.imagesDir, {
      recursive: true,
      force: false,
    });
  }
  return manifest;
}

/**
 * Keys of case images the database refers to that the store lacks (checked after a restore).
 * Held cases are listed apart: one discarded between the dump and the image copy comes back
 * held without its files, which discarding it again settles.
 */
export async function missingImages(
  db: import("./client").DbClient,
  exists: (key: string) => Promise<boolean>,
): Promise<{ missing: string[]; missingOfHeld: string[] }> {
  const cases = await db.case.findMany({
    select: {
      imagePath: true,
      image16Path: true,
      thumbPath: true,
      originalPath: true,
      heldReason: true,
    },
  });
  const missing: string[] = [];
  const missingOfHeld: string[] = [];
  for (const c of cases) {
    for (const key of [c.imagePath, c.image16Path, c.thumbPath, c.originalPath]) {
      if (key && !(await exists(key))) (c.heldReason ? missingOfHeld : missing).push(key);
    }
  }
  return { missing, missingOfHeld };
}

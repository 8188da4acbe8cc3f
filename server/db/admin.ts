import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { promisify } from "node:util";
import pg from "pg";
import { formatDatabaseUrl, parseDatabaseUrl, type ConnectionFields } from "./connection";

const run = promisify(execFile);

function quoteIdent(name: string): string {
  if (!/^[a-z0-9_]+$/i.test(name)) throw new Error(`Unsafe database name: ${name}`);
  return `"${name}"`;
}

async function withMaintenanceClient<T>(
  server: ConnectionFields,
  fn: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ ...server, database: "postgres" });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function databaseExists(server: ConnectionFields, name: string): Promise<boolean> {
  return withMaintenanceClient(server, async (c) => {
    const r = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return r.rowCount === 1;
  });
}

export async function createDatabase(server: ConnectionFields, name: string): Promise<void> {
  await withMaintenanceClient(server, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
}

export async function dropDatabase(server: ConnectionFields, name: string): Promise<void> {
  await withMaintenanceClient(server, (c) =>
    c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
  );
}

/** Names of the committed migrations that the database has not applied yet. */
export async function listPendingMigrations(
  url: string,
  dir = "prisma/migrations",
): Promise<string[]> {
  const committed = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const client = new pg.Client(parseDatabaseUrl(url));
  await client.connect();
  try {
    const exists = await client.query("SELECT to_regclass('public._prisma_migrations') AS t");
    if (!exists.rows[0]?.t) return committed;
    const applied = await client.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    );
    const done = new Set(applied.rows.map((r) => r.migration_name));
    return committed.filter((name) => !done.has(name));
  } finally {
    await client.end();
  }
}

/**
 * Applies the committed migrations with `prisma migrate deploy` (the JS engine, no downloads).
 * The CLI lingers about 10 s after its work (a timer in its WebAssembly engine), so it is
 * only run when a migration is actually pending.
 */
export async function migrateDatabase(url: string): Promise<void> {
  if ((await listPendingMigrations(url)).length === 0) return;
  await run("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url },
    cwd: process.cwd(),
    maxBuffer: 10 * 1024 * 1024,
  });
}

/** A URL for another database on the same server. */
export function withDatabase(url: string, database: string): string {
  return formatDatabaseUrl({ ...parseDatabaseUrl(url), database });
}

/**
 * Tests create and drop databases: refuse anything but a server on this machine, so a
 * production DATABASE_URL left in a shell cannot be touched by `npm test`.
 */
export function assertLocalServer(server: ConnectionFields): void {
  const isLocal =
    /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/.test(server.host) || server.host.startsWith("/");
  if (!isLocal) {
    throw new Error(
      `Refusing to create test databases on ${server.host}: tests only use a PostgreSQL on this machine`,
    );
  }
}

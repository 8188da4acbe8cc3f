import { execFile } from "node:child_process";
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

/** Applies the committed migrations with `prisma migrate deploy` (the JS engine, no downloads). */
export async function migrateDatabase(url: string): Promise<void> {
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

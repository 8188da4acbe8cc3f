import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assertLocalServer, createDatabase, dropDatabase, migrateDatabase } from "./admin";
import { formatDatabaseUrl, parseDatabaseUrl } from "./connection";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded";

export interface ScratchDatabase {
  url: string;
  dispose(): Promise<void>;
}

/**
 * A fresh, migrated database for tests and benchmarks: on the server DATABASE_URL names (which
 * must be on this machine), else on an embedded PostgreSQL in a temporary folder. `dispose`
 * drops it and stops what it started.
 */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  let tmp: string | undefined;
  let server;
  if (process.env.DATABASE_URL) {
    server = parseDatabaseUrl(process.env.DATABASE_URL);
    assertLocalServer(server);
  } else {
    tmp = mkdtempSync(path.join(os.tmpdir(), `${prefix}-pg-`));
    // As root, PostgreSQL runs as "postgres", which must be able to enter the folder.
    chmodSync(tmp, 0o755);
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(tmp, "data"),
      port: 55_000 + Math.floor(Math.random() * 5_000),
      password: randomBytes(12).toString("hex"),
      persistent: false,
    });
    server = embedded.connection;
  }
  const name = `${prefix.replace(/[^a-z0-9]/gi, "_")}_${Date.now()}_${randomBytes(3).toString("hex")}`;
  await createDatabase(server, name);
  const url = formatDatabaseUrl({ ...server, database: name });
  await migrateDatabase(url);
  return {
    url,
    async dispose() {
      await dropDatabase(server, name);
      await embedded?.stop();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    },
  };
}

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { formatDatabaseUrl, parseDatabaseUrl } from "../../server/db/connection";
import {
  assertLocalServer,
  createDatabase,
  dropDatabase,
  migrateDatabase,
} from "../../server/db/admin";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../server/db/embedded";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One fresh database for the run, on the server DATABASE_URL names or else on an
 * embedded PostgreSQL, migrated from the committed migrations and dropped at the end.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedDatabase | undefined;
  let tmpDir: string | undefined;
  let server;
  if (process.env.DATABASE_URL) {
    server = parseDatabaseUrl(process.env.DATABASE_URL);
    assertLocalServer(server);
  } else {
    tmpDir = mkdtempSync(path.join(os.tmpdir(), "blindread-test-pg-"));
    embedded = await startEmbeddedPostgres({
      dataDir: tmpDir,
      port: 55_000 + Math.floor(Math.random() * 5_000),
      password: randomBytes(12).toString("hex"),
      persistent: false,
    });
    server = embedded.connection;
  }
  const name = `blindread_test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  await createDatabase(server, name);
  const url = formatDatabaseUrl({ ...server, database: name });
  await migrateDatabase(url);
  project.provide("databaseUrl", url);

  return async () => {
    await dropDatabase(server, name);
    await embedded?.stop();
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  };
}

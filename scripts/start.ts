/**
 * `npm start`: everything a demo or a single-host deployment needs, in one command.
 * Uses DATABASE_URL when set, else an embedded PostgreSQL under .data/; applies
 * migrations, seeds the demo once, builds the web app when its sources changed, then runs
 * the web app and the worker until Ctrl-C or SIGTERM, and stops all of it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { formatDatabaseUrl, parseDatabaseUrl } from "../server/db/connection";
import { createDatabase, databaseExists, migrateDatabase } from "../server/db/admin";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../server/db/embedded";
import { DEFAULT_EMBEDDED_PORT } from "../server/db/local";
import { waitForDatabase } from "../server/db/wait";
import { checkEnv } from "../server/env";

const root = process.cwd();
const dataDir = path.resolve(process.env.BLINDREAD_DATA_DIR ?? ".data");
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const isDev = process.argv.includes("--dev");
const startedAt = performance.now();

const log = (line: string) => console.log(`[blindread] ${line}`);

interface Secrets {
  postgresPassword: string;
  authSecret: string;
}

/** Secrets generated on first start and kept, so sessions survive restarts. */
function loadSecrets(): Secrets {
  const file = path.join(dataDir, "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as Secrets;
  mkdirSync(dataDir, { recursive: true });
  const secrets = {
    postgresPassword: randomBytes(18).toString("base64url"),
    authSecret: randomBytes(32).toString("base64url"),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function needsBuild(): boolean {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  const sources = [
    "app",
    "components",
    "server",
    "next.config.js",
    "postcss.config.js",
    "package-lock.json",
    "prisma",
  ];
  return sources.some((s) => {
    const full = path.join(root, s);
    if (!existsSync(full)) return false;
    return (statSync(full).isDirectory() ? newestMtime(full) : statSync(full).mtimeMs) > built;
  });
}

/** Children of this process, stopped (SIGTERM, then SIGKILL) when it stops. */
const children: ChildProcess[] = [];

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit", env });
    children.push(child);
    child.on("exit", (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(" ")} exited with ${signal ?? code}`)),
    );
  });
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The web app did not become healthy within ${timeoutMs / 1000} s`);
}

/**
 * Waits for an external database that is not up yet (it may start after the app, as in a
 * container start) instead of giving up. Meanwhile the port answers, so probes see why: 503
 * with the reason on /api/health, the shape the running app gives, and a short page elsewhere.
 */
async function waitForDatabaseAnswering(url: string, stopped: () => boolean): Promise<void> {
  let reason = "";
  let holding: http.Server | undefined;
  const hold = () => {
    const server = http.createServer((req, res) => {
      const body =
        req.url?.split("?")[0] === "/api/health"
          ? JSON.stringify({ status: "unavailable", database: "unreachable", reason })
          : `Blindread is starting: waiting for its database (${reason}).\n`;
      res.writeHead(503, {
        "Content-Type": body.startsWith("{") ? "application/json" : "text/plain; charset=utf-8",
        "Cache-Control": "no-store",
        "Retry-After": "5",
      });
      res.end(body);
    });
    // A busy port is the web app's problem to report once it starts; the wait goes on.
    server.on("error", (e) => log(`cannot answer on port ${port} while waiting: ${e.message}`));
    server.listen(port, host);
    return server;
  };
  try {
    await waitForDatabase(url, {
      log,
      stopped,
      onWaiting: (r) => {
        reason = r;
        holding ??= hold();
      },
    });
  } finally {
    if (holding?.listening) {
      const server = holding;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }
}

async function main() {
  try {
    checkEnv();
  } catch (error) {
    console.error(`[blindread] ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
  const secrets = loadSecrets();
  let embedded: Promise<EmbeddedDatabase> | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  let shuttingDown = false;
  /** Called between start-up steps: once a stop is asked for, nothing new is started. */
  const proceed = () => {
    if (shuttingDown) throw new Error("stopping");
  };

  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log("stopping...");
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill("SIGKILL"), 35_000);
            child.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill("SIGTERM");
          }),
      ),
    );
    // Awaited even when the stop came while it was still starting, so it is never left running.
    const database = await embedded?.catch(() => undefined);
    if (database) {
      await database.stop().catch((e) => log(`embedded PostgreSQL did not stop cleanly: ${e}`));
      log("embedded PostgreSQL stopped");
    }
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  try {
    if (!databaseUrl) {
      const pgPort = Number(process.env.BLINDREAD_PG_PORT ?? DEFAULT_EMBEDDED_PORT);
      log(
        `no DATABASE_URL: starting embedded PostgreSQL on 127.0.0.1:${pgPort} (data in ${path.relative(root, dataDir)}/pg)`,
      );
      embedded = startEmbeddedPostgres({
        dataDir: path.join(dataDir, "pg"),
        port: pgPort,
        password: secrets.postgresPassword,
        log,
      });
      const { connection } = await embedded;
      proceed();
      if (!(await databaseExists(connection, "blindread"))) {
        await createDatabase(connection, "blindread");
      }
      databaseUrl = formatDatabaseUrl({ ...connection, database: "blindread" });
    } else {
      const { host: dbHost, port: dbPort, database } = parseDatabaseUrl(databaseUrl);
      log(`using the database in DATABASE_URL (${dbHost}:${dbPort}/${database})`);
      await waitForDatabaseAnswering(databaseUrl, () => shuttingDown);
    }
    process.env.DATABASE_URL = databaseUrl;
    await migrateDatabase(databaseUrl);
    log("database migrated");
    proceed();

    // The demo's sign-ins are published, so by default it goes only into the embedded
    // database; a real server gets it only when asked for.
    const wantsDemo = process.env.BLINDREAD_SEED_DEMO
      ? process.env.BLINDREAD_SEED_DEMO === "true"
      : embedded !== undefined;
    if (wantsDemo) {
      // Imported here so the env above is in place before server modules read it.
      const { seedDemoAndEnqueue } = await import("../server/demo/seed-and-queue");
      await seedDemoAndEnqueue(log);
      proceed();
    } else if (!process.env.BLINDREAD_SEED_DEMO) {
      log("DATABASE_URL is set: no demo data (set BLINDREAD_SEED_DEMO=true to add it)");
    }

    const publicUrl =
      process.env.NEXTAUTH_URL ?? `http://${host === "0.0.0.0" ? "localhost" : host}:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      NEXTAUTH_URL: publicUrl,
      NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? secrets.authSecret,
      PORT: String(port),
      // Hospital networks and offline hosts: no calls home.
      NEXT_TELEMETRY_DISABLED: "1",
    };
    const nextBin = path.join(root, "node_modules", ".bin", "next");
    if (!isDev && needsBuild()) {
      log("building the web app (first start, or its sources changed)...");
      await run(nextBin, ["build"], { ...env, NODE_ENV: "production" });
      proceed();
    }

    const spawnChild = (
      name: string,
      command: string,
      args: string[],
      childEnv: NodeJS.ProcessEnv,
    ) => {
      proceed();
      const child = spawn(command, args, { stdio: "inherit", env: childEnv });
      child.on("exit", (code, signal) => {
        if (!shuttingDown) {
          log(`${name} exited unexpectedly (${signal ?? code}); stopping everything`);
          void shutdown(1);
        }
      });
      children.push(child);
    };
    spawnChild("web app", nextBin, [isDev ? "dev" : "start", "-p", String(port), "-H", host], {
      ...env,
      NODE_ENV: isDev ? "development" : "production",
    });
    // `node --import tsx` rather than the tsx CLI: one process, so signals reach it directly.
    spawnChild("worker", process.execPath, ["--import", "tsx", "workers/main.ts"], env);

    // Checked on this host's own address: NEXTAUTH_URL may be a proxy's, unreachable from here.
    const localUrl = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
    await waitForHealth(localUrl, isDev ? 120_000 : 60_000);
    proceed();
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    const { DEMO_USERS } = await import("../server/demo/seed");
    const demo = `  Demo sign-ins:
    admin    ${DEMO_USERS.admin.email} / ${DEMO_USERS.admin.password}
${DEMO_USERS.readers.map((r) => `    reader   ${r.email} / ${r.password}`).join("\n")}

  The demo's AI reports come from a small model trained on synthetic phantoms:
  a demonstration, not a clinical model.`;
    const noDemo = `  Create the first admin with:
    npx blindread users create --email you@example.org --role admin --password '...'`;
    console.log(`
  Blindread is running at ${publicUrl}  (healthy after ${seconds} s)

${wantsDemo ? demo : noDemo}

  Press Ctrl-C to stop.
`);
  } catch (error) {
    if (shuttingDown) return;
    console.error(`[blindread] could not start: ${error instanceof Error ? error.message : error}`);
    await shutdown(1);
  }
}

void main();

import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { formatDatabaseUrl, parseDatabaseUrl } from "../../server/db/connection";
import { createScratchDatabase } from "../../server/db/scratch";
import { TcpProxy } from "../integration/tcp-proxy";

/*
 * The zero-setup path of `npm start`: no DATABASE_URL, so an embedded PostgreSQL under the
 * data folder; healthy, sign-ins printed; SIGTERM stops everything; a second start keeps
 * the data and seeds nothing again. And with DATABASE_URL naming a database that is down:
 * it waits, answering 503, and starts on its own when the database is back. Runs after the
 * web app's production build exists (the Playwright web server built it), so it measures
 * start-up, not building.
 */

const port = 3108;
const pgPort = 58_000 + Math.floor(Math.random() * 1_000);

function startApp(dataDir: string, extra: Record<string, string> = {}) {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  Object.assign(env, extra);
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    env: {
      ...env,
      PORT: String(port),
      BLINDREAD_DATA_DIR: dataDir,
      BLINDREAD_STORAGE_DIR: path.join(dataDir, "storage"),
      BLINDREAD_PG_PORT: String(pgPort),
      BLINDREAD_DEMO_CASES: "2",
    },
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  return { child, output: () => output };
}

async function waitFor(output: () => string, text: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`timed out; output so far:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

function isListening(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(p, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

test("npm start without DATABASE_URL runs on an embedded PostgreSQL and stops it on SIGTERM", async () => {
  test.setTimeout(180_000);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "blindread-start-"));
  // As root, the embedded PostgreSQL runs as "postgres", which must enter this folder.
  chmodSync(dataDir, 0o755);
  try {
    const first = startApp(dataDir);
    await waitFor(first.output, "healthy after", 120_000);
    expect(first.output()).toContain("starting embedded PostgreSQL");
    expect(first.output()).toContain("admin@blindread.local / blindread-admin");
    expect(first.output()).toContain("demo seeded");
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    expect(await isListening(pgPort)).toBe(true);

    expect(await stop(first.child)).toBe(0);
    expect(first.output()).toContain("embedded PostgreSQL stopped");
    expect(await isListening(pgPort)).toBe(false);
    expect(await isListening(port)).toBe(false);

    // Second start: same data, no second demo.
    const second = startApp(dataDir);
    await waitFor(second.output, "healthy after", 60_000);
    expect(second.output()).toContain("demo already present");
    expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
    expect(await stop(second.child)).toBe(0);
    expect(await isListening(pgPort)).toBe(false);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("npm start with DATABASE_URL waits for a database that is down, answering 503, and starts when it is back", async () => {
  test.setTimeout(180_000);
  const database = await createScratchDatabase("blindread_e2e_wait");
  const server = parseDatabaseUrl(database.url);
  // The database "down": a proxy in front of it that refuses connections until restored.
  const gate = new TcpProxy(server);
  await gate.listen();
  await gate.cut();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "blindread-start-wait-"));
  let app: ReturnType<typeof startApp> | undefined;
  try {
    app = startApp(dataDir, {
      DATABASE_URL: formatDatabaseUrl({ ...server, host: "127.0.0.1", port: gate.port }),
    });
    await waitFor(app.output, "waiting for the database", 30_000);
    // The port answers while it waits, with the reason (scripts/start.ts).
    await expect
      .poll(
        async () => (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null))?.status,
      )
      .toBe(503);
    const down = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(await down.json()).toEqual({
      status: "unavailable",
      database: "unreachable",
      reason: "connection refused (is PostgreSQL running?)",
    });
    expect(app.output()).not.toContain("could not start");

    await gate.restore();
    await waitFor(app.output, "healthy after", 120_000);
    const up = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ status: "ok" });
    expect(gate.accepted).toBeGreaterThan(0);
    expect(await stop(app.child)).toBe(0);
    app = undefined;
  } finally {
    if (app && app.child.exitCode === null && app.child.signalCode === null) await stop(app.child);
    await gate.close();
    await database.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

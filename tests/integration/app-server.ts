/**
 * The production web app (`next start`) as a child process, for tests that restart it or
 * start it without a database. Builds first when the build is missing or older than its
 * sources, with the same rule as `npm start`, so the end-to-end run that follows reuses it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = process.cwd();
const nextBin = path.join(root, "node_modules", ".bin", "next");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

// The sources scripts/start.ts compares with the build.
const SOURCES = [
  "app",
  "components",
  "server",
  "next.config.js",
  "postcss.config.js",
  "package-lock.json",
  "prisma",
];

function needsBuild(): boolean {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  return SOURCES.some((s) => {
    const full = path.join(root, s);
    if (!existsSync(full)) return false;
    return (statSync(full).isDirectory() ? newestMtime(full) : statSync(full).mtimeMs) > built;
  });
}

export async function ensureProductionBuild(): Promise<void> {
  if (!needsBuild()) return;
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const child = spawn(nextBin, ["build"], {
      env: {
        ...process.env,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        // The build reads no database; the settings check only wants a well-formed URL.
        DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://localhost/unused",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`next build failed (${code}):\n${output}`)),
    );
  });
}

export interface AppServer {
  origin: string;
  child: ChildProcess;
  output(): string;
  /** SIGKILL, as a crash would: requests in flight get no answer. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once("exit", () => resolve()));

/** `next start` on the given port and database; resolves once it listens (not once healthy). */
export async function startNextServer(opts: {
  port: number;
  databaseUrl: string;
  storageDir: string;
}): Promise<AppServer> {
  const origin = `http://127.0.0.1:${opts.port}`;
  const child = spawn(nextBin, ["start", "-p", String(opts.port), "-H", "127.0.0.1"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: opts.databaseUrl,
      BLINDREAD_STORAGE_DIR: opts.storageDir,
      NEXTAUTH_URL: origin,
      NEXTAUTH_SECRET: "faults-test-secret-not-for-production",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const server: AppServer = {
    origin,
    child,
    output: () => output,
    async kill() {
      child.kill("SIGKILL");
      await exited(child);
    },
    async stop() {
      child.kill("SIGTERM");
      await exited(child);
    },
  };
  const deadline = Date.now() + 30_000;
  while (!/Ready in|started server/i.test(output)) {
    if (child.exitCode !== null) throw new Error(`next start exited:\n${output}`);
    if (Date.now() > deadline) {
      await server.kill();
      throw new Error(`next start did not listen within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return server;
}

/** Polls /api/health until it answers 200; returns the last answer otherwise. */
export async function waitForHealth(origin: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${origin}/api/health`, { signal: AbortSignal.timeout(3_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** A free loopback port, from the kernel. */
export async function freePort(): Promise<number> {
  const net = await import("node:net");
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as import("node:net").AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

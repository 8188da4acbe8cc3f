import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import { DEMO_MODEL_DIR } from "./helpers";

/**
 * A worker process (workers/main.ts) on the CPU, serving the demo model unless `args` or `env`
 * say otherwise; its output is kept for assertions and failure messages, and `worker` is the
 * id it records on the jobs it claims.
 */
export function startWorkerProcess(
  options: { args?: string[]; env?: Record<string, string>; batchSize?: number } = {},
) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "workers/main.ts", ...(options.args ?? [])],
    {
      env: {
        ...process.env,
        BLINDREAD_MODEL_DIR: DEMO_MODEL_DIR,
        WORKER_PREFER_CUDA: "false",
        ...(options.batchSize ? { WORKER_BATCH_SIZE: String(options.batchSize) } : {}),
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return { child, output: () => output, worker: `${os.hostname()}:${child.pid}` };
}

/** How a process ended; resolves at once when it already has. */
export function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null }> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
    : new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/**
 * Polls `check` every 20 ms until it holds; after `timeoutMs` fails, naming what it waited
 * for (a function for text known only then, such as a process's output).
 */
export async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string) = "a condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

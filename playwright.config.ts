import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3107);
/** Where the import tests put datasets for "import from server" (the server's import root). */
export const E2E_IMPORT_ROOT = path.join(os.tmpdir(), `blindread-e2e-import-${port}`);

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      // Machines without Playwright's own browser download use the system Chromium.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    // `npm start` itself, on a fresh database, so the test covers the real start path.
    command: "node --import tsx tests/e2e/serve.ts",
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: { E2E_PORT: String(port), BLINDREAD_IMPORT_ROOT: E2E_IMPORT_ROOT },
    gracefulShutdown: { signal: "SIGTERM", timeout: 40_000 },
  },
});

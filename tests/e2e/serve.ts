/**
 * Runs `npm start`'s script for the end-to-end tests on a fresh database: a new database
 * on DATABASE_URL's server when it is set, else a new embedded PostgreSQL in a temporary
 * folder. A test OpenID Connect provider runs beside it as the hospital's single sign-on.
 * Everything is removed when Playwright stops it.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  assertLocalServer,
  createDatabase,
  dropDatabase,
  withDatabase,
} from "../../server/db/admin";
import { parseDatabaseUrl } from "../../server/db/connection";
import {
  OIDC_CLIENT_ID,
  OIDC_CLIENT_SECRET,
  OIDC_NAME,
  oidcPortFor,
  startOidcProvider,
} from "./oidc-provider";

const port = Number(process.env.E2E_PORT ?? 3107);
const oidc = await startOidcProvider({
  port: oidcPortFor(port),
  appUrl: `http://127.0.0.1:${port}`,
});

const tmp = mkdtempSync(path.join(os.tmpdir(), "blindread-e2e-"));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PORT: String(port),
  HOST: "127.0.0.1",
  BLINDREAD_DATA_DIR: path.join(tmp, "data"),
  BLINDREAD_STORAGE_DIR: path.join(tmp, "storage"),
  BLINDREAD_PG_PORT: String(56_000 + Math.floor(Math.random() * 2_000)),
  BLINDREAD_DEMO_CASES: "4",
  BLINDREAD_SEED_DEMO: "true",
  WORKER_BATCH_SIZE: "4",
  BLINDREAD_OIDC_ISSUER: oidc.issuer,
  BLINDREAD_OIDC_CLIENT_ID: OIDC_CLIENT_ID,
  BLINDREAD_OIDC_CLIENT_SECRET: OIDC_CLIENT_SECRET,
  BLINDREAD_OIDC_NAME: OIDC_NAME,
};

let dropFresh: (() => Promise<void>) | undefined;
if (process.env.DATABASE_URL) {
  const name = `blindread_e2e_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const server = parseDatabaseUrl(process.env.DATABASE_URL);
  assertLocalServer(server);
  await createDatabase(server, name);
  env.DATABASE_URL = withDatabase(process.env.DATABASE_URL, name);
  dropFresh = () => dropDatabase(server, name);
}

const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
  stdio: "inherit",
  env,
});
let stopping = false;
const cleanUp = async (code: number) => {
  await oidc.close();
  await dropFresh?.().catch((e) => console.error("could not drop the e2e database:", e));
  rmSync(tmp, { recursive: true, force: true });
  process.exit(code);
};
child.on("exit", (code) => void cleanUp(stopping ? 0 : (code ?? 1)));
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    stopping = true;
    child.kill("SIGTERM");
  });
}

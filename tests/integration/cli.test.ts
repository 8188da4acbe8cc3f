import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { authenticateWithPassword } from "@/server/auth/mutations";
import { resolveApiToken } from "@/server/auth/data";
import { dicomCases, manifestCsv, writeDataset } from "../fixtures/datasets";
import { PHI } from "../fixtures/dicom";
import { db, makeStudy, makeUser, uniqueEmail } from "./helpers";

const exec = promisify(execFile);

/** Runs `npx blindread ...` as a user would, against the test database. */
async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await exec("node", ["bin/blindread.mjs", ...args], {
      env: { ...process.env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("npx blindread", () => {
  it("creates a user who can then sign in", async () => {
    const email = uniqueEmail("cli");
    const result = await cli(
      "users",
      "create",
      "--email",
      email,
      "--role",
      "reader",
      "--password",
      "cli password 1",
    );
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain(`created reader ${email}`);
    await expect(
      authenticateWithPassword(db(), { email, password: "cli password 1" }),
    ).resolves.toMatchObject({
      role: "READER",
    });
  });

  it("prints a token once, which works until it is revoked", async () => {
    const email = uniqueEmail("cli-admin");
    await cli(
      "users",
      "create",
      "--email",
      email,
      "--role",
      "ADMIN",
      "--password",
      "cli password 2",
    );
    const created = await cli("tokens", "create", "--email", email);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^br_[A-Za-z0-9_-]{40,}$/);
    const user = await db().user.findUniqueOrThrow({ where: { email } });
    await expect(resolveApiToken(db(), token)).resolves.toBe(user.id);

    const revoked = await cli("tokens", "revoke", token);
    expect(revoked.stdout).toContain("revoked 1 token");
    await expect(resolveApiToken(db(), token)).resolves.toBeNull();
    expect((await cli("tokens", "revoke", token)).code).toBe(1);
  });

  it("explains bad input and exits non-zero, creating nothing", async () => {
    const email = uniqueEmail("cli-bad");
    const short = await cli(
      "users",
      "create",
      "--email",
      email,
      "--role",
      "reader",
      "--password",
      "short",
    );
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("at least 8 characters");
    const badRole = await cli(
      "users",
      "create",
      "--email",
      email,
      "--role",
      "owner",
      "--password",
      "long enough pw",
    );
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/Allowed choices are ADMIN, READER/);
    expect(await db().user.count({ where: { email } })).toBe(0);
  });

  it("imports a DICOM dataset folder with progress, printing no identifier, and refuses it all when a row is bad", async () => {
    const reader = await makeUser("READER");
    const { studyId } = await makeStudy({ readerIds: [reader.id], cases: [] });
    const cases = await dicomCases("CLI");
    const broken = await writeDataset(cases, {
      name: "manifest.csv",
      text: manifestCsv(cases) + "CLI-X,images/none.dcm,Findings: x.,,,,,,\n",
    });
    const refused = await cli("import", studyId, broken);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("line 8 (case CLI-X): file images/none.dcm not found");
    expect(refused.stderr).toMatch(/nothing was imported/);
    expect(await db().case.count({ where: { studyId } })).toBe(0);

    const dir = await writeDataset(cases);
    const done = await cli("import", studyId, dir);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`imported ${cases.length} cases, 0 already present`);
    // Progress lines (stderr is not a terminal here, so one line per update).
    expect(done.stderr).toMatch(
      new RegExp(`${cases.length}/${cases.length} cases, [\\d.]+/s, 0 problems`),
    );
    const again = await cli("import", studyId, dir, "--skip-invalid");
    expect(again.stdout).toContain(`imported 0 cases, ${cases.length} already present`);
    const output = [refused, done, again].map((r) => r.stdout + r.stderr).join("\n");
    for (const value of Object.values(PHI)) expect(output).not.toContain(value);
  });

  it("writes the demo dataset, PNG and DICOM, and imports both", async () => {
    const reader = await makeUser("READER");
    const dir = await mkdtemp(path.join(os.tmpdir(), "blindread-demo-"));
    expect(
      (await cli("demo", "dataset", path.join(dir, "png"), "--cases", "4", "--size", "128")).code,
    ).toBe(0);
    const dicom = await cli(
      "demo",
      "dataset",
      path.join(dir, "dicom"),
      "--cases",
      "4",
      "--size",
      "128",
      "--dicom",
    );
    expect(dicom.stdout).toContain("wrote 4 cases");
    for (const kind of ["png", "dicom"]) {
      const { studyId } = await makeStudy({ readerIds: [reader.id], cases: [] });
      const result = await cli("import", studyId, path.join(dir, kind));
      expect(result.stdout).toContain("imported 4 cases");
      const rows = await db().case.findMany({ where: { studyId }, include: { reports: true } });
      expect(rows).toHaveLength(4);
      // The demo's sites alternate, and every case has its ground-truth report.
      expect(new Set(rows.map((r) => r.site))).toEqual(new Set(["North campus", "South campus"]));
      expect(rows.every((r) => r.reports.some((x) => x.source === "GROUND_TRUTH"))).toBe(true);
      if (kind === "dicom") {
        expect(rows.every((r) => r.image16Path !== null)).toBe(true);
        const text = JSON.stringify(rows);
        expect(text).not.toContain("DEMO^PATIENT");
        expect(text).not.toContain("DEMO-MRN");
      }
    }
    await rm(dir, { recursive: true, force: true });
  });
});

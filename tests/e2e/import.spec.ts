import { mkdir, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { zipSync } from "fflate";
import { writeDemoDataset } from "../../server/demo/dataset";
import { E2E_IMPORT_ROOT } from "../../playwright.config";
import { ADMIN, SignInPage } from "./pages";

test.describe.configure({ mode: "serial" });

/** Zips a folder's files (one level of subfolders, as the demo dataset has). */
async function zipFolder(dir: string, extraManifestLine = ""): Promise<Buffer> {
  const files: Record<string, Uint8Array> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, full)] = await readFile(full);
  }
  if (extraManifestLine) {
    files["manifest.csv"] = Buffer.concat([
      Buffer.from(files["manifest.csv"]!),
      Buffer.from(extraManifestLine),
    ]);
  }
  return Buffer.from(zipSync(files));
}

test("an admin creates a study, imports the demo dataset as a zip and a DICOM dataset from the server", async ({
  page,
}) => {
  const work = await mkdtemp(path.join(os.tmpdir(), "blindread-e2e-data-"));
  await writeDemoDataset(path.join(work, "png"), { cases: 4, format: "png", size: 256 });
  await mkdir(E2E_IMPORT_ROOT, { recursive: true });
  await writeDemoDataset(path.join(E2E_IMPORT_ROOT, "dicom-demo"), {
    cases: 3,
    format: "dicom",
    size: 256,
  });

  await new SignInPage(page).signInAs(ADMIN, /\/admin$/);
  await page.getByRole("link", { name: "New study" }).click();
  await page.getByLabel("Name").fill("Imported study");
  await page.getByLabel(/Demo Reader 3/).check();
  await page.getByRole("button", { name: "Create draft study" }).click();
  await expect(page.getByRole("heading", { name: "Imported study" })).toBeVisible();

  // A zip with one broken row: nothing is imported, and the row is named with its reason.
  await page.getByTestId("import-file").setInputFiles({
    name: "broken.zip",
    mimeType: "application/zip",
    buffer: await zipFolder(
      path.join(work, "png"),
      "DEMO-X,images/missing.png,Findings: x.,normal,,\n",
    ),
  });
  await page.getByRole("button", { name: "Upload and import" }).click();
  const latest = page.getByTestId("imports").locator("li").first();
  await expect(latest.getByTestId("import-result")).toContainText("nothing was imported", {
    timeout: 30_000,
  });
  await latest.getByRole("button", { name: /Show the 1 problem/ }).click();
  await expect(page.getByTestId("import-problems")).toContainText(
    "file images/missing.png not found",
  );
  await expect(page.getByTestId("cases").locator("tbody tr")).toHaveCount(0);

  await page.getByTestId("import-file").setInputFiles({
    name: "demo.zip",
    mimeType: "application/zip",
    buffer: await zipFolder(path.join(work, "png")),
  });
  await page.getByRole("button", { name: "Upload and import" }).click();
  await expect(latest.getByTestId("import-result")).toHaveText("4 imported, 0 already present", {
    timeout: 30_000,
  });
  await expect(page.getByTestId("cases").locator("tbody tr")).toHaveCount(4);

  await page.getByTestId("import-folder").selectOption("dicom-demo");
  await page.getByRole("button", { name: "Import from server" }).click();
  await expect(latest).toContainText("dicom-demo");
  await expect(latest.getByTestId("import-result")).toHaveText("3 imported, 0 already present", {
    timeout: 30_000,
  });
  await expect(page.getByTestId("cases").locator("tbody tr")).toHaveCount(7);
  // The made-up patient names of the DICOM files appear nowhere on the page.
  expect(await page.content()).not.toContain("DEMO^PATIENT");

  // The imports are in the audit trail, whose chain is intact.
  await page.goto("/admin/audit");
  await expect(page.getByTestId("audit-status")).toContainText("Intact:");
  await expect(page.getByTestId("audit-events")).toContainText("import.completed");
  await expect(page.getByTestId("audit-events")).toContainText("study.created");
  await page.goto("/admin/users");
  await expect(page.getByTestId("users")).toContainText("reader1@blindread.local");
  await expect(page.getByRole("combobox", { name: "Role of reader1@blindread.local" })).toHaveValue(
    "READER",
  );
  await rm(work, { recursive: true, force: true });
  await rm(E2E_IMPORT_ROOT, { recursive: true, force: true });
});

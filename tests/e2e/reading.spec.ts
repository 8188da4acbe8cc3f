import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page, type Response } from "@playwright/test";
import { zipSync } from "fflate";
import { writeDemoDataset } from "../../server/demo/dataset";
import { ADMIN, ReaderPage, SignInPage } from "./pages";

test.describe.configure({ mode: "serial" });

// These tests read a study of their own (6 DICOM cases x 2 reports, for readers 2 and 3), so
// that the demo study keeps only the ratings study.spec.ts makes.
const CASES = 6;
const ITEMS = CASES * 2;
const STUDY = /Reading tests/;
const READER2 = { email: "reader2@blindread.local", password: "blindread-reader" };
const READER3 = { email: "reader3@blindread.local", password: "blindread-reader" };

async function openList(page: Page, name: RegExp) {
  await page.getByRole("listitem").filter({ hasText: name }).getByRole("link").click();
  await expect(page.getByTestId("progress")).toBeVisible();
}

async function zipOf(dir: string): Promise<Buffer> {
  const files: Record<string, Uint8Array> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = path.join(entry.parentPath, entry.name);
      files[path.relative(dir, full)] = await readFile(full);
    }
  }
  return Buffer.from(zipSync(files));
}

/** As the admin: a study of the demo cases for the given readers, imported and opened. */
async function createStudy(
  page: Page,
  opts: { name: string; readers: RegExp[]; cases: number; format: "png" | "dicom"; size: number },
) {
  const work = await mkdtemp(path.join(os.tmpdir(), "blindread-e2e-reading-"));
  await writeDemoDataset(work, { cases: opts.cases, format: opts.format, size: opts.size });
  await new SignInPage(page).signInAs(ADMIN, /\/admin$/);
  await page.getByRole("link", { name: "New study" }).click();
  await page.getByLabel("Name").fill(opts.name);
  for (const reader of opts.readers) await page.getByLabel(reader).check();
  await page.getByLabel(/blindread-demo-cxr/).check();
  await page.getByLabel(/Open for reading by itself/).check();
  await page.getByRole("button", { name: "Create draft study" }).click();
  await expect(page.getByRole("heading", { name: opts.name })).toBeVisible();
  await page.getByTestId("import-file").setInputFiles({
    name: "cases.zip",
    mimeType: "application/zip",
    buffer: await zipOf(work),
  });
  await page.getByRole("button", { name: "Upload and import" }).click();
  await expect(page.getByTestId("import-result").first()).toHaveText(
    `${opts.cases} imported, 0 already present`,
    { timeout: 60_000 },
  );
  // The worker writes the AI reports; the study then opens by itself.
  await expect(page.getByText("open", { exact: true }).first()).toBeVisible({ timeout: 120_000 });
  await rm(work, { recursive: true, force: true });
  await page.context().clearCookies();
}

test("an admin prepares the reading study", async ({ page }) => {
  await createStudy(page, {
    name: "Reading tests",
    readers: [/Demo Reader 2/, /Demo Reader 3/],
    cases: CASES,
    format: "dicom",
    size: 256,
  });
});

test("the viewer zooms, pans, windows, inverts and resets from the keyboard and mouse", async ({
  page,
}) => {
  await new SignInPage(page).signInAs(READER2, /\/read$/);
  await openList(page, STUDY);
  const status = page.getByTestId("viewer-status");
  // The cases are DICOM: windowing works on their 16-bit images.
  await expect(status).toHaveText("100% · 16-bit");
  await page.keyboard.press("+");
  await expect(status).toHaveText("125% · 16-bit");
  await page.keyboard.press("i");
  await expect(status).toContainText("inverted");
  await page.keyboard.press("6");
  // Preset 6 halves the default window of the image (the DICOM window, width 4096).
  await expect(status).toContainText("W 2048 L");
  const preset = (await status.textContent())!;
  const box = (await page.getByTestId("viewer").boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down({ button: "right" });
  await page.mouse.move(box.x + box.width / 2 + 100, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up({ button: "right" });
  await expect(status).not.toHaveText(preset);
  await expect(status).toContainText(/W \d+ L \d+/);
  await page.keyboard.press(" ");
  await expect(status).toHaveText("100% · 16-bit");
  // The canvas that windowing painted is hidden again, the full-resolution image shown.
  await expect(page.getByRole("img", { name: /Chest radiograph/ })).toBeVisible();
});

test("ratings made offline are kept, sent when the connection returns, and the list resumes after a reload", async ({
  page,
  context,
}) => {
  await new SignInPage(page).signInAs(READER2, /\/read$/);
  await openList(page, STUDY);
  const reader = new ReaderPage(page);
  await reader.expectAt(1, ITEMS);
  await reader.rateByKeyboard("2");
  await reader.expectAt(2, ITEMS);
  // Item 3 was prefetched while item 2 was shown; the connection then drops.
  await expect(page.getByTestId("report")).toContainText("Findings:");
  await page.waitForTimeout(300);
  await context.setOffline(true);
  await reader.rateByKeyboard("3");
  await reader.expectAt(3, ITEMS);
  await expect(page.getByTestId("sync-status")).toContainText(
    "Offline: 1 rating kept in this browser",
  );
  // The tab is closed while offline; the rating waits in IndexedDB.
  await page.close();
  await context.setOffline(false);
  const again = await context.newPage();
  await again.goto("/read");
  await openList(again, STUDY);
  // The waiting rating was sent first, so the list resumes at the first unrated item.
  await new ReaderPage(again).expectAt(3, ITEMS);
  await again.keyboard.press("ArrowLeft");
  await expect(again.getByRole("radio", { checked: true })).toContainText("C");
  await expect(again.getByTestId("sync-status")).toHaveCount(0);
});

test("a whole study walked as a reader reveals nothing about any report's source", async ({
  page,
}) => {
  const bodies: { url: string; body: string }[] = [];
  const images: Response[] = [];
  page.on("response", async (res) => {
    const url = res.url();
    if (url.includes("/_next/static/")) return;
    if (url.includes("/api/images/")) images.push(res);
    const type = res.headers()["content-type"] ?? "";
    if (/json|html|x-component/.test(type)) {
      bodies.push({ url, body: await res.text().catch(() => "") });
    }
  });
  await new SignInPage(page).signInAs(READER3, /\/read$/);
  await openList(page, STUDY);
  const reader = new ReaderPage(page);
  for (let k = 1; k <= ITEMS; k++) {
    await reader.expectAt(k, ITEMS);
    await reader.rateByKeyboard("1");
  }
  await expect(page.getByText(`All ${ITEMS} items are rated`)).toBeVisible();

  // Words and values that would name a source, a model, a version, timing or an internal id.
  const forbidden = [
    "blindread-demo-cxr",
    "0.1.0",
    "GROUND_TRUTH",
    "EXTERNAL",
    "demo model",
    "modelId",
    "provider",
    "generationMs",
    "generation_ms",
    "parameters",
    "thresholds",
    "caseId",
    "reportId",
  ];
  for (const { url, body } of bodies) {
    for (const word of forbidden) expect(body, `"${word}" in ${url}`).not.toContain(word);
    // Database ids are cuids (c + 24 lowercase letters and digits); none may reach a reader.
    expect(body.match(/\bc[a-z0-9]{24}\b/g) ?? [], `a database id in ${url}`).toEqual([]);
  }

  // Every item answer has the same fields, and the same size once its report is taken out.
  const items = bodies
    .filter((b) => b.url.includes("reading.get"))
    .flatMap((b) => {
      try {
        const parsed = JSON.parse(b.body) as unknown;
        const list = Array.isArray(parsed) ? parsed : [parsed];
        // tRPC's batch answers: [{ result: { data } }, ...].
        return list.map((entry) => (entry as { result?: { data?: unknown } }).result?.data);
      } catch {
        return [];
      }
    })
    .filter((x): x is Record<string, unknown> => !!x && typeof x === "object" && "itemToken" in x);
  expect(items.length).toBeGreaterThanOrEqual(ITEMS);
  const fieldSets = new Set(items.map((i) => Object.keys(i).sort().join(",")));
  expect([...fieldSets]).toHaveLength(1);
  const residual = items.map(
    (i) => JSON.stringify({ ...i, report: "", rating: null, position: 0, rated: 0 }).length,
  );
  expect(Math.max(...residual) - Math.min(...residual)).toBe(0);
  for (const i of items) {
    expect(i.imageUrl).toMatch(/^\/api\/images\/[A-Za-z0-9_-]{24}$/);
    expect(i.image16Url).toBe(`${i.imageUrl as string}?depth=16`);
  }

  // Image responses: one URL shape, and the same headers apart from the date and the
  // connection-level ones (absent when the browser answers from its cache).
  expect(images.length).toBeGreaterThanOrEqual(ITEMS);
  const headerSets = new Set(
    images.map((r) => {
      const h = { ...r.headers() };
      for (const name of ["date", "connection", "keep-alive", "transfer-encoding"]) delete h[name];
      return JSON.stringify(Object.entries(h).sort());
    }),
  );
  expect([...headerSets]).toHaveLength(1);
});

test("a reader finishes a 100-item study by keyboard alone", async ({ page }) => {
  test.setTimeout(240_000);
  await createStudy(page, {
    name: "Hundred items",
    readers: [/Demo Reader 2/],
    cases: 50,
    format: "png",
    size: 192,
  });
  await new SignInPage(page).signInAs(READER2, /\/read$/);
  await openList(page, /Hundred items/);
  const reader = new ReaderPage(page);
  const keys = ["1", "2", "3", "4", "a", "b", "c", "d"] as const;
  for (let k = 1; k <= 100; k++) {
    await reader.expectAt(k, 100);
    await reader.rateByKeyboard(keys[k % keys.length]!);
  }
  await expect(page.getByText("All 100 items are rated")).toBeVisible();
  await page.keyboard.press("Shift+Enter");
  await expect(page.getByText("You have finished this study")).toBeVisible();
});

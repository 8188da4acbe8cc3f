import { expect, test, type Page } from "@playwright/test";
import { ADMIN, READER, ReaderPage, SignInPage } from "./pages";

test.describe.configure({ mode: "serial" });

// The server runs the demo with BLINDREAD_DEMO_CASES=4 (tests/e2e/serve.ts), plus the
// demo's one deliberately corrupt case: 4 readable cases, 2 reports each.
const READABLE_CASES = 4;
const ITEMS = READABLE_CASES * 2;

async function openDemoStudy(page: Page) {
  await page.goto("/admin");
  await page.getByRole("link", { name: /Demo: synthetic chest radiographs/ }).click();
  await expect(
    page.getByRole("heading", { name: "Demo: synthetic chest radiographs" }),
  ).toBeVisible();
}

test("pages are served with a content security policy that forbids framing", async ({ page }) => {
  const res = await page.goto("/signin");
  const headers = res!.headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");
  // Every other test in this file runs under the same policy, so they show it breaks nothing.
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();
});

test("wrong credentials get one generic message", async ({ page }) => {
  const signIn = new SignInPage(page);
  await signIn.signIn({ email: ADMIN.email, password: "not the password" });
  await expect(page.getByTestId("sign-in-error")).toHaveText("E-mail or password is incorrect.");
  await signIn.signIn({ email: "nobody@blindread.local", password: ADMIN.password });
  await expect(page.getByTestId("sign-in-error")).toHaveText("E-mail or password is incorrect.");
});

test("the admin sees the demo study open, with the corrupt case failed and its reason", async ({
  page,
}) => {
  await new SignInPage(page).signInAs(ADMIN, /\/admin$/);
  await openDemoStudy(page);
  // The worker writes the AI reports, then the study opens by itself.
  await expect(page.getByText("open", { exact: true }).first()).toBeVisible({ timeout: 60_000 });
  const failedRow = page.getByTestId("cases").getByRole("row").filter({ hasText: "failed" });
  await expect(failedRow).toHaveCount(1);
  await expect(failedRow).toContainText("could not be decoded");
  await expect(page.getByTestId("cases").getByRole("row").filter({ hasText: "ready" })).toHaveCount(
    READABLE_CASES,
  );
  // The generation panel counts the same, per model.
  await expect(page.getByTestId("generation")).toContainText(
    `${READABLE_CASES} done · 0 running · 0 queued · 1 failed`,
  );
});

test("a reader rates every item by keyboard, blind, and the admin sees the rates", async ({
  page,
  browser,
}) => {
  const seen: { url: string; body: string }[] = [];
  page.on("response", async (res) => {
    const type = res.headers()["content-type"] ?? "";
    if (type.includes("json") || type.includes("text/html") || type.includes("text/x-component")) {
      seen.push({ url: res.url(), body: await res.text().catch(() => "") });
    }
  });

  await new SignInPage(page).signInAs(READER, /\/read$/);
  await page.getByRole("link", { name: "Start" }).click();
  const reader = new ReaderPage(page);

  // Plan: item k gets level ((k - 1) mod 4) + 1, so across 8 items each level twice.
  const keys = ["1", "b", "3", "d"] as const;
  for (let k = 1; k <= ITEMS; k++) {
    await reader.expectAt(k, ITEMS);
    await expect(page.getByTestId("report")).toContainText("Findings:");
    await expect(page.getByRole("img", { name: /Chest radiograph/ })).toBeVisible();
    await reader.rateByKeyboard(keys[(k - 1) % 4]!);
  }
  await expect(page.getByText(`All ${ITEMS} items are rated`)).toBeVisible();

  // Going back shows the stored rating, and it can still be changed.
  await page.keyboard.press("ArrowLeft");
  await reader.expectAt(ITEMS - 1, ITEMS);
  await expect(page.getByRole("radio", { checked: true })).toContainText("C");
  await page.getByRole("button", { name: "Finish study" }).click();
  await expect(page.getByText("You have finished this study")).toBeVisible();

  // Nothing the reader's browser received names the source or the model.
  const forbidden = [
    "blindread-demo-cxr",
    "GROUND_TRUTH",
    "demo model",
    "modelId",
    "provider",
    "generationMs",
  ];
  const readerResponses = seen.filter((r) => !r.url.includes("/_next/static/"));
  expect(readerResponses.length).toBeGreaterThan(ITEMS);
  for (const { url, body } of readerResponses) {
    for (const word of forbidden) expect(body, `${word} in ${url}`).not.toContain(word);
  }
  // Images: addressed by item token only; the same headers for every item; another reader
  // and an anonymous visitor get nothing.
  const imageUrls = [
    ...new Set(
      readerResponses.flatMap((r) =>
        [...r.body.matchAll(/\/api\/images\/[A-Za-z0-9_-]+/g)].map((m) => m[0]),
      ),
    ),
  ];
  expect(imageUrls.length).toBe(ITEMS);
  const headerSets = new Set<string>();
  for (const url of imageUrls) {
    const res = await page.request.get(url);
    expect(res.status()).toBe(200);
    const headers = res.headers();
    delete headers["date"];
    delete headers["content-length"];
    headerSets.add(JSON.stringify(Object.entries(headers).sort()));
  }
  expect(headerSets.size).toBe(1);
  const anonymous = await browser.newContext();
  expect((await anonymous.request.get(imageUrls[0]!)).status()).toBe(401);
  await anonymous.close();
  const otherReader = await browser.newContext();
  const otherPage = await otherReader.newPage();
  await new SignInPage(otherPage).signInAs(
    { ...READER, email: "reader2@blindread.local" },
    /\/read$/,
  );
  expect((await otherPage.request.get(imageUrls[0]!)).status()).toBe(404);
  await otherReader.close();

  // The reader cannot reach the admin pages or procedures.
  await page.goto("/admin");
  await expect(page.getByRole("heading", { name: "Admins only" })).toBeVisible();
  const res = await page.request.get("/api/trpc/studies.list");
  expect(res.status()).toBe(403);

  // The admin sees the reader's ratings counted per source.
  const adminContext = await browser.newContext();
  const adminPage = await adminContext.newPage();
  await new SignInPage(adminPage).signInAs(ADMIN, /\/admin$/);
  await openDemoStudy(adminPage);
  const results = adminPage.getByTestId("results");
  await expect(results.getByRole("row")).toHaveCount(3);
  for (const source of [/Ground truth/, /demo model/]) {
    const row = results.getByRole("row").filter({ hasText: source });
    await expect(row.getByRole("cell").nth(1)).toHaveText(String(READABLE_CASES));
    // Wilson, crossed bootstrap and MRMC columns each show a rate with its interval.
    for (const column of [3, 4]) {
      await expect(row.getByRole("cell").nth(column)).toHaveText(
        /^\d+\.\d% \[\d+\.\d%, \d+\.\d%\]$/,
      );
    }
  }
  await expect(adminPage.getByTestId("comparisons").getByRole("row")).toHaveCount(2);
  await expect(adminPage.getByRole("img", { name: "Ratings A to D per source" })).toBeVisible();
  await expect(adminPage.getByRole("img", { name: /Success rate per reader/ })).toBeVisible();
  const download = adminPage.waitForEvent("download");
  await adminPage
    .getByRole("figure")
    .filter({ hasText: "Ratings per source" })
    .getByRole("button", { name: "SVG" })
    .click();
  const svg = await download;
  expect(svg.suggestedFilename()).toBe("ratings-per-source.svg");
  await expect(adminPage.getByTestId("per-reader")).toContainText("R1 · Demo Reader 1");

  // The admin's unblinded CSV holds the reader's 8 ratings, and the download is recorded.
  const studyId = adminPage.url().split("/").pop()!;
  const csv = await adminPage.request.get(`/api/v1/studies/${studyId}/export?format=csv`);
  expect(csv.status()).toBe(200);
  const lines = (await csv.text()).trim().split("\n");
  expect(lines[0]).toMatch(/^study_id,study_name,reader,case_id,source,/);
  expect(lines).toHaveLength(ITEMS + 1);
  expect(lines.slice(1).every((l) => l.includes(",R1,"))).toBe(true);
  await adminPage.reload();
  await expect(adminPage.getByTestId("export-records")).toContainText(ADMIN.email);
  await adminContext.close();
});

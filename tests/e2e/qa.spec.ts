import { expect, test } from "@playwright/test";
import { pngWithMetadata } from "../fixtures/datasets";
import { ADMIN, ReaderPage, SignInPage } from "./pages";

const REVIEWER = { email: "reader2@blindread.local", password: "blindread-reader" };
const CASES = 3;

test("an admin creates an audit, cases arrive over the API, a reviewer reviews blind, and the dashboard shows the drop", async ({
  page,
  browser,
}) => {
  await new SignInPage(page).signInAs(ADMIN, /\/admin$/);
  await page.getByRole("link", { name: "QA audits" }).click();
  await expect(page.getByText("No audits yet")).toBeVisible();
  await page.getByRole("link", { name: "New audit" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Live audit");
  await page.getByLabel(/Model audited/).fill("cxr-reporter");
  await page.getByLabel(/Demo Reader 2/).check();
  await page.getByLabel(/Share sampled at random/).fill("0");
  await page.getByLabel("Reviews per sampled case").fill("1");
  await page.getByLabel("Least ratings to judge a period").fill("2");
  await page.getByRole("button", { name: "Create audit" }).click();
  await page.getByRole("link", { name: "Open the dashboard" }).click();
  await expect(page.getByRole("heading", { name: "Live audit" })).toBeVisible();
  await expect(page.getByText("No reviews yet")).toBeVisible();
  const auditId = new URL(page.url()).pathname.split("/").pop()!;

  // A hospital system sends cases (here with the admin's session; machines use an API token).
  // Every case is flagged, so every one is reviewed; the AI reports call a pneumothorax.
  for (let i = 0; i < CASES; i++) {
    const res = await page.request.post(`/api/v1/audits/${auditId}/cases`, {
      multipart: {
        case: JSON.stringify({
          accession: `E2E-${i}`,
          report: "Findings: Lungs are clear. Impression: No acute abnormality.",
          ai_report: {
            model: "cxr-reporter",
            version: "1.0",
            text: "Findings: Large left pneumothorax. Impression: Pneumothorax.",
          },
          flagged: true,
        }),
        image: { name: "image.png", mimeType: "image/png", buffer: await pngWithMetadata(i, 128) },
      },
    });
    expect(res.status(), await res.text()).toBe(201);
  }

  const reviewerContext = await browser.newContext();
  const reviewerPage = await reviewerContext.newPage();
  await new SignInPage(reviewerPage).signInAs(REVIEWER, /\/read$/);
  await reviewerPage
    .getByRole("listitem")
    .filter({ hasText: "Live audit" })
    .getByRole("link")
    .click();
  const reader = new ReaderPage(reviewerPage);
  for (let k = 1; k <= CASES * 2; k++) {
    await reader.expectAt(k, CASES * 2);
    const report = await reviewerPage.getByTestId("report").innerText();
    await reader.rateByKeyboard(/pneumothorax/i.test(report) ? "4" : "1");
  }
  await expect(reviewerPage.getByText(/New cases join this queue/)).toBeVisible();
  await reviewerContext.close();

  // The web process judges new reviews in its background round (every 10 s).
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("alerts")).toContainText("1 alert", { timeout: 1_000 });
  }).toPass({ timeout: 45_000 });
  await expect(page.getByTestId("trend-chart")).toBeVisible();
  // One period: 3 AI reports rated D (0% success), the radiologists' 3 rated A (100%).
  const period = page.getByTestId("periods").locator("tbody tr");
  await expect(period).toHaveCount(1);
  await expect(period).toContainText("0% (");
  await expect(period).toContainText("100%");
  await expect(period).toContainText("breach");
  await expect(page.getByTestId("reviewers")).toContainText("Demo Reader 2");
});

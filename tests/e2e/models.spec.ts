import { rm } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { writeClassifierModel } from "../fixtures/classifier-model";
import { ADMIN, SignInPage } from "./pages";

test("an admin registers a findings classifier on the models page, after a card without a template is refused with its reason", async ({
  page,
}) => {
  // The test runs on the server's machine, so folders it writes are the server's folders.
  const good = await writeClassifierModel();
  const untemplated = await writeClassifierModel({ card: { template: undefined } });
  try {
    await new SignInPage(page).signInAs(ADMIN, /\/admin$/);
    await page.getByRole("link", { name: "Models" }).click();
    await expect(page.getByRole("heading", { name: "Models" })).toBeVisible();
    await page.getByLabel("Name", { exact: true }).fill("e2e-chest-classifier");
    await page.getByLabel("Version").fill("3");
    await page.getByLabel("Kind").selectOption("FINDINGS_CLASSIFIER");
    await page.getByLabel("Folder on the server").fill(untemplated);
    await page.getByRole("button", { name: "Register" }).click();
    // The card check of server/models/classifier-card.ts, shown as the form's alert.
    await expect(page.locator("form").getByRole("alert")).toContainText(
      'has no "template", so its findings cannot be written as a report (Effusion, Cardiomegaly, Pneumothorax)',
    );

    await page.getByLabel("Folder on the server").fill(good);
    await page.getByLabel(/Generation parameters/).fill('{"thresholds": {"Effusion": 0.6}}');
    await page.getByRole("button", { name: "Register" }).click();
    await expect(page.getByText("Registered e2e-chest-classifier 3.")).toBeVisible();
    const row = page.getByTestId("models").getByRole("row", { name: /e2e-chest-classifier 3/ });
    await expect(row).toContainText("findings classifier");
    await expect(row).toContainText(good);
  } finally {
    for (const dir of [good, untemplated]) await rm(dir, { recursive: true, force: true });
  }
});

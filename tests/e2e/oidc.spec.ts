import { expect, test, type Page } from "@playwright/test";
import { OIDC_NAME, type OidcLogin } from "./oidc-provider";

/** From the sign-in page through the test provider's own sign-in and consent pages. */
async function signInAtProvider(page: Page, login: OidcLogin) {
  await page.goto("/signin");
  await page.getByRole("button", { name: `Sign in with ${OIDC_NAME}` }).click();
  // oidc-provider's development sign-in form (any password) on its own origin.
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/interaction\//);
  await page.getByPlaceholder("Enter any login").fill(login);
  await page.getByPlaceholder("and password").fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

test("hospital sign-in with a verified e-mail of an active user gives that user's ordinary session", async ({
  page,
}) => {
  // The account's e-mail is reader1@blindread.local in other letter case (tests/e2e/oidc-provider.ts):
  // a demo reader, whose home is the reading list.
  await signInAtProvider(page, "reader");
  await expect(page).toHaveURL(/\/read$/);
  await expect(page.getByRole("heading", { name: "Your reading lists" })).toBeVisible();

  // The session carries the user's session version like a password session does: signing
  // out everywhere ends it at the next request.
  // (tRPC wants a JSON body even for a mutation without input.)
  const signedOut = await page.request.post("/api/trpc/users.signOutEverywhere", { data: {} });
  expect(signedOut.status(), await signedOut.text()).toBe(200);
  await page.goto("/read");
  await expect(page).toHaveURL(/\/signin/);
});

test("hospital sign-in for an e-mail no Blindread user has is refused with a message", async ({
  page,
}) => {
  await signInAtProvider(page, "stranger");
  await expect(page).toHaveURL(/\/signin\?error=OidcNoAccount$/);
  await expect(page.getByTestId("sign-in-error")).toHaveText(
    "No active Blindread account for this e-mail: ask your study coordinator.",
  );
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin$/);
});

test("hospital sign-in with an unverified e-mail is refused even when it matches a user", async ({
  page,
}) => {
  // The e-mail is the demo admin's, but the provider says it has not verified it.
  await signInAtProvider(page, "unverified");
  await expect(page).toHaveURL(/\/signin\?error=OidcEmailUnverified$/);
  await expect(page.getByTestId("sign-in-error")).toContainText("not marked as verified");
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/signin/);
});

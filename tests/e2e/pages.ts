import { expect, type Page } from "@playwright/test";

export const ADMIN = { email: "admin@blindread.local", password: "blindread-admin" };
export const READER = { email: "reader1@blindread.local", password: "blindread-reader" };

export class SignInPage {
  constructor(private readonly page: Page) {}

  async signIn(user: { email: string; password: string }) {
    await this.page.goto("/signin");
    await this.page.getByLabel("E-mail").fill(user.email);
    await this.page.getByLabel("Password").fill(user.password);
    await this.page.getByRole("button", { name: "Sign in", exact: true }).click();
  }

  /** Signs in and waits until the app has taken the user to their home page. */
  async signInAs(user: { email: string; password: string }, home: RegExp) {
    await this.signIn(user);
    await expect(this.page).toHaveURL(home);
  }
}

export class ReaderPage {
  constructor(private readonly page: Page) {}

  progress() {
    return this.page.getByTestId("progress");
  }

  async expectAt(position: number, total: number) {
    await expect(this.progress()).toHaveText(`${position} of ${total}`);
  }

  async rateByKeyboard(key: "1" | "2" | "3" | "4" | "a" | "b" | "c" | "d") {
    await this.page.keyboard.press(key);
    await expect(this.page.getByRole("radio", { checked: true })).toBeVisible();
    await this.page.keyboard.press("Enter");
  }
}

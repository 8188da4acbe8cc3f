// What the sign-in page (a client component in part) shares with the server: kept free of
// server imports.

/** next-auth's id for single sign-on: the redirect URI is <base url>/api/auth/callback/oidc. */
export const OIDC_PROVIDER_ID = "oidc";

/** Why a sign-in was refused, as the code next-auth puts in the sign-in page's `?error=`. */
export const OIDC_NO_ACCOUNT = "OidcNoAccount";
export const OIDC_EMAIL_UNVERIFIED = "OidcEmailUnverified";

const messages = new Map<string, string>(
  Object.entries({
    [OIDC_NO_ACCOUNT]: "No active Blindread account for this e-mail: ask your study coordinator.",
    [OIDC_EMAIL_UNVERIFIED]:
      "Your hospital account's e-mail address is not marked as verified, so it cannot be matched to a Blindread account: ask your study coordinator or IT service.",
    // next-auth's own codes: the provider could not be reached, or its answer did not check out.
    OAuthSignin:
      "Hospital sign-in is unavailable right now. Try again, or sign in with your password.",
    OAuthCallback: "Hospital sign-in did not complete. Try again, or sign in with your password.",
    Callback: "Hospital sign-in did not complete. Try again, or sign in with your password.",
    AccessDenied: "Sign-in was refused.",
    SessionRequired: "Please sign in.",
  }),
);

/** The message for a `?error=` code; null when there is none. */
export function signInErrorMessage(code: string | undefined): string | null {
  if (!code) return null;
  // A Map: the code comes from the URL, and must not reach Object.prototype's keys.
  return messages.get(code) ?? "Sign-in failed. Try again.";
}

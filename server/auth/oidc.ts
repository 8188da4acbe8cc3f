import type { OAuthConfig } from "next-auth/providers/oauth";
import { z } from "zod";
import { getDb, type DbClient } from "../db/client";
import type { oidcSettings } from "../env";
import { OIDC_EMAIL_UNVERIFIED, OIDC_NO_ACCOUNT, OIDC_PROVIDER_ID } from "./sign-in-page";

const claimsSchema = z.object({
  sub: z.string().min(1),
  email: z.string().trim().toLowerCase().max(320).optional(),
  email_verified: z.unknown().optional(),
});

export type OidcMatch =
  | { user: { id: string; email: string; name: string }; sessionVersion: number }
  | { refusal: typeof OIDC_NO_ACCOUNT | typeof OIDC_EMAIL_UNVERIFIED };

/**
 * The Blindread account an OpenID Connect sign-in stands for. Accounts are never created
 * here (roles are given by admins): the provider's e-mail must be verified by the provider
 * and belong to an existing, active user. An unverified e-mail could be any address its
 * holder typed in at the provider, so it is refused even when it matches.
 */
export async function matchOidcAccount(db: DbClient, claims: unknown): Promise<OidcMatch> {
  const parsed = claimsSchema.safeParse(claims);
  if (!parsed.success || !parsed.data.email) return { refusal: OIDC_NO_ACCOUNT };
  // Strictly the boolean: a provider that sends nothing (or a string) has not said it checked.
  if (parsed.data.email_verified !== true) return { refusal: OIDC_EMAIL_UNVERIFIED };
  const user = await db.user.findFirst({
    where: { email: parsed.data.email, isActive: true },
    select: { id: true, email: true, name: true, sessionVersion: true },
  });
  if (!user) return { refusal: OIDC_NO_ACCOUNT };
  const { sessionVersion, ...rest } = user;
  return { user: rest, sessionVersion };
}

/** What the provider's profile() hands to next-auth: the matched user, or why there is none. */
export interface OidcUser {
  id: string;
  email?: string;
  name?: string;
  sv?: number;
  refusal?: string;
}

type Settings = NonNullable<ReturnType<typeof oidcSettings>>;

/** The next-auth provider for the hospital's OpenID Connect issuer. */
export function oidcProvider(settings: Settings): OAuthConfig<Record<string, unknown>> {
  return {
    id: OIDC_PROVIDER_ID,
    name: settings.name,
    type: "oauth",
    wellKnown: `${settings.issuer}/.well-known/openid-configuration`,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    authorization: { params: { scope: "openid email profile" } },
    checks: ["pkce", "state"],
    // The ID token is checked (signature, issuer, audience, expiry) by openid-client.
    idToken: true,
    userinfo: {
      async request({ tokens, client }) {
        // With idToken set, next-auth hands over openid-client's TokenSet (typed more loosely).
        const tokenSet = tokens as Parameters<typeof client.userinfo>[0] & {
          claims(): Record<string, unknown>;
        };
        const claims = tokenSet.claims();
        if (typeof claims.email === "string" && "email_verified" in claims) return claims;
        // Many providers keep the ID token small and give e-mail claims only at the userinfo
        // endpoint; openid-client refuses an answer whose subject differs from the ID token's.
        return { ...claims, ...(await client.userinfo(tokenSet)) };
      },
    },
    async profile(claims): Promise<OidcUser> {
      const match = await matchOidcAccount(getDb(), claims);
      if ("refusal" in match) {
        // next-auth needs an id even for a profile it will refuse; this one never reaches a token.
        return { id: String(claims.sub ?? "unknown"), refusal: match.refusal };
      }
      return { ...match.user, sv: match.sessionVersion };
    },
  };
}

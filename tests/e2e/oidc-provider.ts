/**
 * A real OpenID Connect provider (oidc-provider) on loopback, standing in for a hospital's
 * single sign-on in the end-to-end tests. Its sign-in page is the library's development
 * form: any login name with any password signs in as the account of that name below.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration } from "oidc-provider";

export const OIDC_CLIENT_ID = "blindread-e2e";
export const OIDC_CLIENT_SECRET = "e2e-client-secret-not-used-anywhere-else";
export const OIDC_NAME = "Test Hospital";

export interface OidcClaims {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

/** Login names at the e2e test provider, with the claims each one's tokens carry. */
export const OIDC_ACCOUNTS = {
  // A demo reader (server/demo/seed.ts) with a verified e-mail, in other letter case.
  reader: { email: "Reader1@Blindread.local", email_verified: true, name: "Reader One" },
  // No Blindread user has this e-mail.
  stranger: { email: "stranger@hospital.example", email_verified: true, name: "Stranger" },
  // The demo admin's e-mail, which the provider has not verified.
  unverified: { email: "admin@blindread.local", email_verified: false, name: "Unverified" },
} as const;

export type OidcLogin = keyof typeof OIDC_ACCOUNTS;

/** The provider's port for an app on `appPort`: fixed, so the app can be told it before start. */
export function oidcPortFor(appPort: number): number {
  return appPort + 1000;
}

/** Starts the provider; port 0 picks a free one (the issuer URL follows the port). */
export async function startOidcProvider(opts: {
  port: number;
  appUrl: string;
  /** Login name to claims; read at each sign-in, so a test may add to it later. */
  accounts?: Record<string, OidcClaims>;
}) {
  const accounts: Record<string, OidcClaims> = opts.accounts ?? OIDC_ACCOUNTS;
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const configuration: Configuration = {
    clients: [
      {
        client_id: OIDC_CLIENT_ID,
        client_secret: OIDC_CLIENT_SECRET,
        redirect_uris: [`${opts.appUrl}/api/auth/callback/oidc`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    async findAccount(_ctx, id) {
      const claims = Object.hasOwn(accounts, id) ? accounts[id] : undefined;
      return claims && { accountId: id, claims: () => ({ sub: id, ...claims }) };
    },
    pkce: { required: () => true },
    // Set, so the library does not log a notice for each default on every sign-in.
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    features: { devInteractions: { enabled: true } },
  };
  server.on("request", new Provider(issuer, configuration).callback());
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The app's keep-alive connections would otherwise hold the close open.
        server.closeAllConnections();
      }),
  };
}

/**
 * Single sign-on against a real OpenID Connect provider (oidc-provider) on loopback: the
 * app's next-auth handler, configured from the environment as in production, runs the
 * whole code flow (discovery, state, PKCE, token exchange, ID token and userinfo checks)
 * and the account-linking rule decides who gets a session.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NextAuthOptions } from "next-auth";
import { decode } from "next-auth/jwt";
import { checkEnv } from "@/server/env";
import { matchOidcAccount } from "@/server/auth/oidc";
import { signOutEverywhere, sessionUser } from "@/server/auth/users";
import {
  OIDC_CLIENT_ID,
  OIDC_CLIENT_SECRET,
  startOidcProvider,
  type OidcClaims,
} from "../e2e/oidc-provider";
import { db, makeUser, uniqueEmail } from "./helpers";

// The app is never listened on: its handler is called directly, at this public URL.
const APP = "http://127.0.0.1:39917";
const SECRET = "oidc-test-secret-0123456789abcdef";

const OIDC_ENV_KEYS = [
  "NEXTAUTH_URL",
  "BLINDREAD_OIDC_ISSUER",
  "BLINDREAD_OIDC_CLIENT_ID",
  "BLINDREAD_OIDC_CLIENT_SECRET",
] as const;

/** Login names at the provider; each test adds its own. */
const accounts: Record<string, OidcClaims> = {};
let provider: Awaited<ReturnType<typeof startOidcProvider>>;
let options: NextAuthOptions;
let NextAuth: (req: unknown, res: unknown, options: NextAuthOptions) => Promise<unknown>;

beforeAll(async () => {
  provider = await startOidcProvider({ port: 0, appUrl: APP, accounts });
  process.env.NEXTAUTH_URL = APP;
  process.env.BLINDREAD_OIDC_ISSUER = provider.issuer;
  process.env.BLINDREAD_OIDC_CLIENT_ID = OIDC_CLIENT_ID;
  process.env.BLINDREAD_OIDC_CLIENT_SECRET = OIDC_CLIENT_SECRET;
  // Imported after the environment is set, as the app's route module is at start-up.
  options = { ...(await import("@/server/auth/options")).authOptions, secret: SECRET };
  NextAuth = (await import("next-auth")).default as unknown as typeof NextAuth;
});

afterAll(async () => {
  await provider?.close();
  // Other files may run later in this worker process.
  for (const key of OIDC_ENV_KEYS) delete process.env[key];
});

type Jar = Map<string, string>;

function keepCookies(jar: Jar, setCookies: string[]) {
  for (const line of setCookies) {
    const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq);
    const expired = attributes.some(
      (a) =>
        /^max-age=0$/i.test(a) ||
        (/^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now()),
    );
    if (expired) jar.delete(name);
    else jar.set(name, decodeURIComponent(pair.slice(eq + 1)));
  }
}

const cookieHeader = (jar: Jar) =>
  [...jar].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("; ");

/** One request to /api/auth/<path...>, through next-auth's own Node handler. */
async function callAuth(
  jar: Jar,
  path: string[],
  init: { method?: string; query?: Record<string, string>; body?: Record<string, string> } = {},
) {
  const headers = new Map<string, string | string[]>();
  let status = 200;
  let payload: unknown;
  const res = {
    status(code: number) {
      status = code;
      return res;
    },
    setHeader(name: string, value: string | string[]) {
      headers.set(name.toLowerCase(), value);
      return res;
    },
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    end() {},
    json(body: unknown) {
      payload = body;
    },
    send(body: unknown) {
      payload = body;
    },
  };
  const req = {
    method: init.method ?? "GET",
    query: { nextauth: path, ...init.query },
    body: init.body,
    cookies: Object.fromEntries(jar),
    headers: { host: new URL(APP).host },
  };
  await NextAuth(req, res, options);
  keepCookies(jar, [headers.get("set-cookie") ?? []].flat());
  return { status, location: headers.get("location") as string | undefined, payload };
}

/** Walks the provider's sign-in and consent pages as a browser would, back to the app. */
async function signInAtProvider(start: string, login: string): Promise<URL> {
  const jar: Jar = new Map();
  let url = start;
  let request: RequestInit = {};
  for (let step = 0; step < 12; step++) {
    if (url.startsWith(APP)) return new URL(url);
    const res = await fetch(url, {
      ...request,
      redirect: "manual",
      headers: { cookie: cookieHeader(jar), ...request.headers },
    });
    keepCookies(jar, res.headers.getSetCookie());
    request = {};
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get("location")!, url).href;
      continue;
    }
    // oidc-provider's development pages: a login form (any password), then consent.
    const html = await res.text();
    const action = /<form[^>]* action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`unexpected page at ${url}: ${html.slice(0, 300)}`);
    const form: Record<string, string> =
      prompt === "login" ? { prompt, login, password: "any" } : { prompt };
    url = new URL(action, url).href;
    request = {
      method: "POST",
      body: new URLSearchParams(form).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    };
  }
  throw new Error("the provider did not send the browser back to the app");
}

/** A whole sign-in with "Sign in with ..." for the provider's `login`. */
async function oidcSignIn(login: string) {
  const jar: Jar = new Map();
  const csrf = await callAuth(jar, ["csrf"]);
  const { csrfToken } = csrf.payload as { csrfToken: string };
  // What next-auth's signIn("oidc") in the browser posts.
  const started = await callAuth(jar, ["signin", "oidc"], {
    method: "POST",
    body: { csrfToken, callbackUrl: `${APP}/`, json: "true" },
  });
  const authorizeUrl = new URL((started.payload as { url: string }).url);
  const back = await signInAtProvider(authorizeUrl.href, login);
  expect(back.pathname).toBe("/api/auth/callback/oidc");
  const done = await callAuth(jar, ["callback", "oidc"], {
    query: Object.fromEntries(back.searchParams),
  });
  const token = jar.get("next-auth.session-token");
  return {
    authorizeUrl,
    location: done.location,
    token: token ? await decode({ token, secret: SECRET }) : null,
  };
}

describe("single sign-on with OpenID Connect", () => {
  it("gives a verified e-mail of an active user that user's ordinary session, which sign-out-everywhere ends", async () => {
    const user = await makeUser("READER");
    // A raised session version, so the token can only carry it by reading the user.
    await signOutEverywhere(db(), user.id, user.id);
    accounts["reader-ok"] = {
      email: user.email.toUpperCase(),
      email_verified: true,
      name: "Provider Name",
    };

    const { authorizeUrl, location, token } = await oidcSignIn("reader-ok");
    // The request to the provider: code flow with PKCE (S256) and state, the three scopes.
    expect(authorizeUrl.origin).toBe(provider.issuer);
    expect(authorizeUrl.searchParams.get("response_type")).toBe("code");
    expect(authorizeUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizeUrl.searchParams.get("state")).toBeTruthy();
    expect(authorizeUrl.searchParams.get("scope")).toBe("openid email profile");

    expect(location).toBe(`${APP}/`);
    // The same token contents as a password sign-in: the user's id, e-mail, Blindread name
    // and the session version (1 after one sign-out-everywhere).
    expect(token).toMatchObject({ sub: user.id, email: user.email, name: user.name, sv: 1 });
    expect(await sessionUser(db(), user.id, token!.sv as number)).toMatchObject({ id: user.id });
    await signOutEverywhere(db(), user.id, user.id);
    expect(await sessionUser(db(), user.id, token!.sv as number)).toBeNull();
  });

  it("refuses an e-mail no user has, an unverified e-mail and a deactivated user, with the page's reason", async () => {
    const inactive = await makeUser("READER");
    await db().user.update({ where: { id: inactive.id }, data: { isActive: false } });
    const active = await makeUser("ADMIN");
    accounts["stranger"] = { email: uniqueEmail("stranger"), email_verified: true };
    accounts["unverified"] = { email: active.email, email_verified: false };
    accounts["inactive"] = { email: inactive.email, email_verified: true };

    for (const [login, code] of [
      ["stranger", "OidcNoAccount"],
      ["unverified", "OidcEmailUnverified"],
      ["inactive", "OidcNoAccount"],
    ] as const) {
      const { location, token } = await oidcSignIn(login);
      expect(token).toBeNull();
      expect(location).toBe(`${APP}/api/auth/error?error=${code}`);
      // next-auth's error route hands the code on to the sign-in page (pages.error).
      const shown = await callAuth(new Map(), ["error"], { query: { error: code } });
      expect(shown.location).toBe(`/signin?error=${code}`);
    }
  });
});

describe("the account-linking rule", () => {
  it("needs email_verified to be exactly true", async () => {
    const user = await makeUser("READER");
    // Absent, or a string instead of the boolean the OpenID Connect core claims define.
    for (const email_verified of [undefined, "true", 1]) {
      expect(await matchOidcAccount(db(), { sub: "x", email: user.email, email_verified })).toEqual(
        { refusal: "OidcEmailUnverified" },
      );
    }
    expect(
      await matchOidcAccount(db(), { sub: "x", email: ` ${user.email} `, email_verified: true }),
    ).toMatchObject({ user: { id: user.id }, sessionVersion: 0 });
    expect(await matchOidcAccount(db(), { sub: "x", email_verified: true })).toEqual({
      refusal: "OidcNoAccount",
    });
  });
});

describe("single sign-on settings", () => {
  it("refuses to start with only part of the issuer, client id and secret", () => {
    const saved = { ...process.env };
    try {
      delete process.env.BLINDREAD_OIDC_CLIENT_ID;
      delete process.env.BLINDREAD_OIDC_CLIENT_SECRET;
      process.env.BLINDREAD_OIDC_ISSUER = "https://sso.example-hospital.org";
      expect(() => checkEnv()).toThrow(/BLINDREAD_OIDC_CLIENT_ID: single sign-on needs all of/);
      expect(() => checkEnv()).toThrow(/BLINDREAD_OIDC_CLIENT_SECRET/);
      delete process.env.BLINDREAD_OIDC_ISSUER;
      expect(() => checkEnv()).not.toThrow();
    } finally {
      process.env = saved;
    }
  });
});
